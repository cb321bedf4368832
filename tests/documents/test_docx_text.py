"""Text extracted from .docx for the diff: paragraphs and tables in document order, list numbers kept."""

import io

from docx import Document
from docx.oxml import parse_xml

from meetingprep.documents.text import extract_text
from tests import office

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _add_chinese_outline(document) -> str:
    """A two-level list as Chinese reports number them: 一、 … then （一） …; returns its numId."""
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {W} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def _numbered(document, text: str, num_id: str, level: int = 0):
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def _report_docx() -> bytes:
    document = Document()
    document.add_paragraph("政协常委会工作报告")
    outline = _add_chinese_outline(document)
    _numbered(document, "过去一年的工作", outline)
    _numbered(document, "协商议政", outline, 1)
    _numbered(document, "民主监督", outline, 1)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["项目", "件数", "备注"], ["提案", "512", "立案 480"], ["社情民意", "230", ""]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 1).merge(table.cell(2, 2))
    table.cell(2, 1).text = "230"
    document.add_paragraph("表后说明：数据截至十二月底。")
    _numbered(document, "今年的主要任务", outline)
    _numbered(document, "加强调查研究", outline, 1)
    _numbered(document, "全年重点课题", outline, 2)
    document.add_paragraph("第一项按样式编号", style="List Number")
    document.add_paragraph("第二项按样式编号", style="List Number")
    document.add_paragraph("一条要点", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


EXPECTED = [
    "政协常委会工作报告",
    "一、过去一年的工作",
    "（一）协商议政",
    "（二）民主监督",
    "项目 | 件数 | 备注",
    "提案 | 512 | 立案 480",
    "社情民意 | 230",
    "表后说明：数据截至十二月底。",
    "二、今年的主要任务",
    "（一）加强调查研究",
    "1. 全年重点课题",
    "1. 第一项按样式编号",
    "2. 第二项按样式编号",
    "一条要点",
]


def test_tables_and_numbered_lists_keep_their_place_and_numbers():
    """Before, every table was appended after the last paragraph and list numbers were lost."""
    assert extract_text(_report_docx(), "docx").split("\n") == EXPECTED


def test_a_list_restarted_by_word_counts_from_its_start_override():
    document = Document()
    outline = _add_chinese_outline(document)
    _numbered(document, "甲", outline)
    _numbered(document, "乙", outline)
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:num {W} w:numId="91"><w:abstractNumId w:val="90"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'))
    _numbered(document, "丙", "91")
    _numbered(document, "丁", outline)  # the first list goes on
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_text(buffer.getvalue(), "docx").split("\n") == ["一、甲", "二、乙", "一、丙", "三、丁"]


def test_the_order_survives_a_round_trip_through_libreoffice(tmp_path):
    """LibreOffice rewrites numbering.xml in its own way (e.g. taiwaneseCountingThousand for 一、);
    the text read back must not change."""
    source = tmp_path / "报告.docx"
    source.write_bytes(_report_docx())
    out = office.convert(source, "docx:MS Word 2007 XML", tmp_path)
    assert extract_text((out / "报告.docx").read_bytes(), "docx").split("\n") == EXPECTED
