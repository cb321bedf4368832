"""The 定稿 as a Word file in the official layout (GB/T 9704): read back by python-docx and by LibreOffice."""

import io
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import quote

from docx import Document as read_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from meetingprep.documents import queries, services
from meetingprep.documents.states import Decision, DocumentStatus
from meetingprep.extensions import db
from tests import factories, office

TEXT = "\n".join([
    "一、总体要求。坚持稳中求进工作总基调，完整准确全面贯彻新发展理念。",
    "（一）加强调查研究。围绕全市中心工作深入基层开展专题调研。",
    "1. 重点课题。全年安排重点调研课题十二项。",
    *["各专门委员会要加强协商议政，提高建言资政质量，推动协商成果转化运用，" * 4] * 12,
    "<script>不执行</script> & 原样保留",
])


def finalize(role_users, document, text: str = TEXT):
    factories.add_text_version(queries.document_for_action(document.id), role_users["staff"], text)
    db.session.commit()
    for reviewer in ("group_lead", "leader"):
        services.decide(role_users[reviewer], queries.document_for_action(document.id), Decision.APPROVE)
        db.session.commit()
    assert queries.document_for_action(document.id).status == DocumentStatus.FINALIZED


def fonts_of(run) -> dict[str, str]:
    element = run._r.rPr.rFonts
    return {name: element.get(qn(f"w:{name}")) for name in ("ascii", "eastAsia", "hint")}


def test_only_a_finalized_document_has_the_official_docx(client, login, role_users, review):
    factories.add_text_version(queries.document_for_action(review.id), role_users["staff"], TEXT)
    db.session.commit()
    login(role_users["secretariat"])
    response = client.get(f"/documents/{review.id}/final.docx")
    assert response.status_code == 409 and "定稿后才能下载" in response.get_data(as_text=True)
    assert "data-final-docx" not in client.get(f"/documents/{review.id}").get_data(as_text=True)


def test_final_docx_download_in_the_official_layout(client, login, role_users, review):
    finalize(role_users, review)
    login(role_users["leader"])
    assert "data-final-docx" in client.get(f"/documents/{review.id}").get_data(as_text=True)
    response = client.get(f"/documents/{review.id}/final.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"document-{review.id}-final.docx\"; "
        f"filename*=UTF-8''{quote('政协常委会工作报告（定稿）.docx', safe='')}")

    document = read_docx(io.BytesIO(response.data))
    section = document.sections[0]
    def mm(*lengths):  # stored in twentieths of a point
        return tuple(round(length.mm, 1) for length in lengths)

    assert mm(section.page_width, section.page_height) == (210, 297)
    assert mm(section.top_margin, section.bottom_margin, section.left_margin, section.right_margin) == (37, 35, 28, 26)
    title, blank, *body = document.paragraphs
    assert title.text == "政协常委会工作报告" and blank.text == ""
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22) and fonts_of(title.runs[0])["eastAsia"] == "方正小标宋简体"
    assert [p.text for p in body] == TEXT.split("\n")
    heading, rest = body[0].runs
    assert heading.text == "一、总体要求。" and fonts_of(heading)["eastAsia"] == "黑体"
    assert fonts_of(rest) == {"ascii": "仿宋_GB2312", "eastAsia": "仿宋_GB2312", "hint": "eastAsia"}
    assert rest.font.size == Pt(16)
    assert fonts_of(body[1].runs[0])["eastAsia"] == "楷体_GB2312" and body[2].runs[0].font.bold
    normal = document.styles["Normal"].paragraph_format
    assert Pt(28) <= normal.line_spacing <= Pt(29.5)  # 22 lines in the 225 mm type area
    assert body[3].paragraph_format.first_line_indent == Pt(32)
    # page numbers "— N —": a PAGE field, odd pages right, even pages left
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    for footer in (odd, even):
        assert "PAGE" in "".join(footer._p.itertext()) and footer.text.startswith("— ")
        assert fonts_of(footer.runs[0])["eastAsia"] == "宋体" and footer.runs[0].font.size == Pt(14)
    # the name Word and WPS look for when 仿宋_GB2312 is not installed
    package = zipfile.ZipFile(io.BytesIO(response.data))
    font_table = package.read("word/fontTable.xml").decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/>' in font_table
    assert 'w:eastAsia="zh-CN"' in package.read("word/styles.xml").decode()  # Chinese, not the template's en-US


def test_libreoffice_prints_it_on_numbered_a4_pages_of_22_lines(client, login, role_users, review, tmp_path):
    """Title, the blank line under it and 40 one-line paragraphs: 22 lines on page 1, 20 on page 2."""
    finalize(role_users, review, "\n".join(f"第{n}段。" for n in range(1, 41)) + "\n<b>原样</b> & 保留")
    login(role_users["staff"])
    source = tmp_path / "final.docx"
    source.write_bytes(client.get(f"/documents/{review.id}/final.docx").data)
    pdf = office.convert(source, "pdf", tmp_path) / "final.pdf"
    info = office.pdfinfo(pdf)
    assert "(A4)" in info["Page size"] and int(info["Pages"]) == 2
    text = subprocess.run([str(Path(office.PDFINFO).with_name("pdftotext")), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    first, second = (page.replace(" ", "") for page in text.split("\f")[:2])
    assert "政协常委会工作报告" in first and "第20段" in first and "第21段" not in first
    assert "第21段" in second and "<b>原样</b>&保留" in second
    assert first.strip().endswith("—1—") and second.strip().endswith("—2—")


def test_who_may_download_the_final_docx(client, login, role_users, review, member_speech, other_member):
    finalize(role_users, review)
    url = f"/documents/{review.id}/final.docx"
    for role in ("secretariat", "leader", "group_lead", "staff", "admin"):
        login(role_users[role])
        assert client.get(url).status_code == 200, role
    login(role_users["member"])
    assert client.get(url).status_code == 403
    login(None)
    assert client.get(url).status_code == 302
    # a member's own speech, once final: the member may; another member may not
    speech = queries.document_for_action(member_speech.id)
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    services.assign_pipeline(role_users["secretariat"], speech, template_id=template.id, group_id=None,
                              due_on=None)
    db.session.commit()
    services.decide(role_users["group_lead"], queries.document_for_action(member_speech.id), Decision.APPROVE)
    db.session.commit()
    login(role_users["member"])
    response = client.get(f"/documents/{member_speech.id}/final.docx")
    assert response.status_code == 200 and read_docx(io.BytesIO(response.data)).paragraphs[2].text == "发言正文"
    login(other_member)
    assert client.get(f"/documents/{member_speech.id}/final.docx").status_code == 403


def test_a_pdf_final_has_no_text_to_lay_out(client, login, role_users, review):
    login(role_users["staff"])
    client.post(f"/documents/{review.id}/versions/new", data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF"), "定稿.pdf"),
                                                             "note": "定稿"}, content_type="multipart/form-data")
    for reviewer in ("group_lead", "leader"):
        services.decide(role_users[reviewer], queries.document_for_action(review.id), Decision.APPROVE)
        db.session.commit()
    response = client.get(f"/documents/{review.id}/final.docx")
    assert response.status_code == 409 and "PDF" in response.get_data(as_text=True)
