"""The 定稿 as a Word file in the official layout, so the final text goes to print without retyping.

GB/T 9704-2012 (党政机关公文格式) as far as python-docx can say it:

* A4; margins top 37 mm, bottom 35 mm, left (订口) 28 mm, right 26 mm: a 156 × 225 mm type area;
* the title in 2号 (22 pt) 方正小标宋简体, centred, one blank line below it;
* the body in 3号 (16 pt) 仿宋_GB2312, justified, first lines indented by two characters, 22 lines
  a page (exact line spacing of the type area's height ÷ 22, about 29 pt);
* headings of the structure levels as the standard sets them: "一、" 黑体, "（一）" 楷体_GB2312,
  "1." 仿宋 bold — the heading only (up to its first full stop), not the rest of its paragraph;
* page numbers in 4号 (14 pt) 宋体 as "— 1 —", below the type area, odd pages on the right and even
  pages on the left, one character in from the edge.

Fonts are named for East Asian text (``w:eastAsia``; python-docx's ``font.name`` only names the Latin
font), and the font table gives each official font the name Word and WPS look for when it is not
installed (``w:altName``: 仿宋_GB2312 → 仿宋 on a Windows without the GB2312 fonts) with its
character set and family, which guide LibreOffice's substitution. 28 characters a line needs Word's
character grid, which is not set here: with 16 pt characters a line holds 27.
"""

from __future__ import annotations

import io
import re

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, Twips
from lxml import etree

from meetingprep.documents import queries
from meetingprep.documents.models import Document
from meetingprep.documents.states import DocumentStatus
from meetingprep.documents.text import paragraphs
from meetingprep.errors import InvalidTransition

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"
#: (regex of the heading's number, font, bold) for the structure levels of GB/T 9704 §7.3.3.
HEADING_LEVELS = (
    (re.compile(r"[一二三四五六七八九十百]+、"), "黑体", False),
    (re.compile(r"（[一二三四五六七八九十百]+）"), "楷体_GB2312", False),
    (re.compile(r"\d+[.．]"), BODY_FONT, True),
)
#: Font table entries: name → (the name looked for when it is missing, charset, family).
FONTS = {
    TITLE_FONT: ("宋体", "86", "roman"),
    BODY_FONT: ("仿宋", "86", "modern"),
    "楷体_GB2312": ("楷体", "86", "modern"),
    "黑体": ("SimHei", "86", "modern"),
    PAGE_NUMBER_FONT: ("SimSun", "86", "auto"),
}

TITLE_SIZE = Pt(22)       # 2号
BODY_SIZE = Pt(16)        # 3号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
LINES_PER_PAGE = 22


def _set_font(owner, name: str, size: Length, *, bold: bool = False) -> None:
    """``owner``: a run or a style. The font is named for Latin and East Asian text alike."""
    owner.font.name = name  # w:ascii and w:hAnsi only
    owner.font.size = size
    owner.font.bold = bold
    fonts = owner.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:cs"), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = Mm(15)
    # The page number's line begins 7 mm below the type area (GB/T 9704 §7.5).
    section.footer_distance = BOTTOM - Mm(7) - PAGE_NUMBER_SIZE


def _body_style(document) -> None:
    normal = document.styles["Normal"]
    _set_font(normal, BODY_FONT, BODY_SIZE)
    # Chinese text marked as such (the template's defaults say en-US): office software then picks
    # Chinese rather than Japanese glyphs and fallback fonts, and Chinese line-breaking rules.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    for language in defaults.iter(qn("w:lang")) if defaults is not None else ():
        language.set(qn("w:eastAsia"), "zh-CN")
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    # Word stores the spacing in whole twentieths of a point: rounded down, or the 22nd line does not fit.
    fmt.line_spacing = Twips(Length(Mm(297) - TOP - BOTTOM).twips // LINES_PER_PAGE)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False  # the standard counts 22 full lines a page


def _title(document, title: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.keep_with_next = True
    _set_font(paragraph.add_run(title), TITLE_FONT, TITLE_SIZE)
    document.add_paragraph().paragraph_format.keep_with_next = True  # the blank line under the title


def _body(document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = BODY_SIZE * 2
    for pattern, font, bold in HEADING_LEVELS:
        if pattern.match(text):
            end = text.find("。")
            heading = text if end < 0 else text[:end + 1]
            _set_font(paragraph.add_run(heading), font, BODY_SIZE, bold=bold)
            text = text[len(heading):]
            break
    if text:
        _set_font(paragraph.add_run(text), BODY_FONT, BODY_SIZE)


def _field(paragraph, instruction: str, shown: str):
    """A Word field (PAGE): begin, instruction, separator, the value shown until updated, end."""
    runs = []
    for kind in ("begin", "instr", "separate", "text", "end"):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        elif kind == "text":
            element = OxmlElement("w:t")
            element.text = shown
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        runs.append(run)
    return runs


def _page_numbers(document) -> None:
    """"— N —": on odd pages at the right, on even pages at the left, one character in (§7.5)."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        fmt = paragraph.paragraph_format
        fmt.first_line_indent = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = PAGE_NUMBER_SIZE
        else:
            fmt.left_indent = PAGE_NUMBER_SIZE
        runs = [paragraph.add_run("— "), *_field(paragraph, "PAGE", "1"), paragraph.add_run(" —")]
        for run in runs:
            _set_font(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def _font_table(document) -> None:
    """Name, fallback name, charset and family of each font used (python-docx keeps the font table
    as bytes, so it is parsed, changed and written back)."""
    part = next((rel.target_part for rel in document.part.rels.values()
                 if not rel.is_external and rel.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    for name, (alternative, charset, family) in FONTS.items():
        for existing in root.findall(qn("w:font")):
            if existing.get(qn("w:name")) == name:
                root.remove(existing)
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alternative), ("w:charset", charset), ("w:family", family),
                           ("w:pitch", "variable")):
            etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def start(title: str):
    """A new document in the official layout with its title: add paragraphs (``add_text``) and tables
    (``add_table``), then ``finish``. The 会议总结 and the 审签单 of the archive are written this way too."""
    document = new_docx()
    _page_setup(document)
    _body_style(document)
    _title(document, title)
    return document


def add_text(document, text: str) -> None:
    """One body paragraph; a structure-level heading ("一、…") gets its font."""
    _body(document, text)


TABLE_SIZE = Pt(12)  # 小四: tables are denser than the body


def add_table(document, header: list[str], rows: list[list], widths_mm: list[float] | None = None) -> None:
    """A ruled table (Word's "Table Grid"), header row repeated on every page, cells in 仿宋 小四."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    for index, row in enumerate([header, *rows]):
        cells = table.rows[0].cells if index == 0 else table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            paragraph = cell.paragraphs[0]
            fmt = paragraph.paragraph_format
            fmt.first_line_indent = Pt(0)
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if index == 0 else WD_ALIGN_PARAGRAPH.LEFT
            _set_font(paragraph.add_run("" if value is None else str(value)), BODY_FONT, TABLE_SIZE, bold=index == 0)
    header_row = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_row.append(repeat)
    if widths_mm:
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm, strict=False):
                cell.width = Mm(width)
    document.add_paragraph()


def finish(document, title: str) -> bytes:
    _page_numbers(document)
    _font_table(document)
    document.core_properties.title = title
    document.core_properties.author = ""
    document.core_properties.comments = ""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def official_docx(title: str, text: str) -> bytes:
    document = start(title)
    for paragraph in paragraphs(text):
        add_text(document, paragraph)
    return finish(document, title)


def final_docx(document: Document) -> tuple[bytes, str]:
    """The finalized version's text in the official layout, and the file's name (the title, Chinese kept)."""
    version = document.current_version
    if document.status != DocumentStatus.FINALIZED or version is None:
        raise InvalidTransition("材料尚未定稿：定稿后才能下载公文格式的 Word 文件。")
    text = queries.version_with_text(document.id, version.number).text_content
    if text is None:
        raise InvalidTransition("定稿版本是 PDF 文件，没有可排版的文字，请直接下载定稿原文件。")
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", document.title).strip(" ._") or "定稿"
    return official_docx(document.title, text), f"{name}（定稿）.docx"
