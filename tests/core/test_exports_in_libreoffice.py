"""Every export, opened by a real office client: LibreOffice converts each .xlsx (and the ledger's CSV) and
the test reads what LibreOffice made of it — Chinese headers, date cells as dates, no formula, widths,
A4 pages with the header row on each. One LibreOffice start per conversion kind (each costs seconds)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from meetingprep.attendance.models import CheckInMethod
from meetingprep.attendance.services import check_in
from meetingprep.extensions import db
from tests import factories, office

EVIL = '=HYPERLINK("http://evil.example/?x","点击查看")'
DATE_SHOWN = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$")


@pytest.fixture
def exports(app, client, login, role_users, tmp_path) -> dict[str, Path]:
    meeting, group, secretariat = role_users["meeting"], role_users["group"], role_users["secretariat"]
    factories.make_task(meeting, group, role_users["staff"], title=EVIL, completion_note="+1 请复核")
    for number in range(60):
        factories.make_task(meeting, group, role_users["staff"], title=f"筹备任务第{number}项：落实会场座次和证件发放")
    member = factories.make_member(meeting, name="张三", member_no="0005", sector="-经济界")
    factories.make_member(meeting, name="李四", member_no="0006")
    begun = factories.make_sitting(meeting, name="第一次全体会议", starts_in_minutes=-5)
    factories.make_sitting(meeting, name="第二次全体会议", starts_in_minutes=24 * 60)
    check_in(secretariat, begun, member, method=CheckInMethod.DESK)
    db.session.commit()
    login(secretariat)
    urls = {"ledger.xlsx": "/tasks/export.xlsx", "ledger.csv": "/tasks/export.csv",
            "roster.xlsx": "/attendance/roster/export.xlsx", "roster-template.xlsx": "/attendance/roster/template.xlsx",
            "sheet.xlsx": f"/attendance/sittings/{begun.id}/sheet.xlsx",
            "summary.xlsx": "/attendance/figures/summary.xlsx",
            "dashboard.xlsx": "/dashboard/export.xlsx", "plan-template.xlsx": "/plans/import/template.xlsx"}
    files = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].count("charset") <= 1
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        files[name] = tmp_path / name
        files[name].write_bytes(response.data)
    return files


def _as_shown(outdir: Path) -> dict[str, list[str]]:
    """{"ledger-任务台账": [line, …]} — each sheet as LibreOffice shows it (text cells quoted)."""
    return {path.stem: path.read_text("utf-8").splitlines() for path in outdir.iterdir()}


def test_libreoffice_reads_every_export_as_typed_safe_chinese_tables(exports, tmp_path):
    workbooks = [path for name, path in exports.items() if name.endswith(".xlsx")]
    sheets = _as_shown(office.convert(workbooks, office.CSV_AS_SHOWN, tmp_path))

    ledger = sheets["ledger-任务台账"]
    assert ledger[1].startswith('"序号","责任组","任务","责任人"')
    evil = next(line for line in ledger if "HYPERLINK" in line)
    # The title is a text cell LibreOffice shows exactly as typed, not a link it evaluated to 点击查看.
    assert '"=HYPERLINK(""http://evil.example/?x"",""点击查看"")"' in evil and '"+1 请复核"' in evil
    cells = next(csv.reader([evil]))
    assert DATE_SHOWN.match(cells[6]) and f'"{cells[6]}"' not in evil  # 时间节点: a date cell, not text
    assert cells[9] == "0%"  # 进度: a number shown as a percentage

    roster = sheets["roster-委员名册"]
    assert roster[0].startswith('"委员编号","姓名","界别"')
    assert '"0005","张三","-经济界"' in roster[1]  # leading zeros kept; "-经济界" a text, not a formula

    sheet = sheets["sheet-签到表"]
    assert sheet[0].startswith('"第一次全体会议 签到表"') and sheet[2].startswith('"序号","委员编号","姓名"')
    signed = next(next(csv.reader([line])) for line in sheet if "张三" in line)
    assert signed[6] == "出席" and DATE_SHOWN.match(signed[7])

    summary = sheets["summary-各会次"]
    first = next(next(csv.reader([line])) for line in summary if line.startswith('"第一次全体会议"'))
    assert DATE_SHOWN.match(first[1]) and first[2] == "2" and first[8] == "50.0%"  # 1 of 2 came

    dashboard = [line for name, lines in sheets.items() if name.startswith("dashboard-") for line in lines]
    assert any(line.startswith('"项目","数值"') for line in dashboard)
    assert any(line.startswith('"开幕时间",') and DATE_SHOWN.match(next(csv.reader([line]))[1])
               for line in dashboard)

    for name, lines in sheets.items():
        assert "点击查看" not in "".join(lines).replace('""点击查看""', ""), f"{name}: a formula was evaluated"


def test_libreoffice_keeps_types_widths_and_print_setup(exports, tmp_path):
    """Round trip through LibreOffice's own .xlsx writer: what it kept is what it understood."""
    assert load_workbook(exports["sheet.xlsx"]).active.freeze_panes == "A4"  # below title, place, header
    outdir = office.convert([exports["ledger.xlsx"], exports["roster-template.xlsx"]], "xlsx", tmp_path)
    template = load_workbook(outdir / "roster-template.xlsx").active
    # 委员编号 and 手机 are text columns: what a person types under the example row keeps its zeros.
    assert (template.column_dimensions["A"].number_format, template.column_dimensions["J"].number_format) == ("@", "@")
    ledger = load_workbook(outdir / "ledger.xlsx").active
    evil = next(row for row in ledger.iter_rows(min_row=3) if row[2].value == EVIL)
    assert evil[2].data_type == "s" and evil[6].is_date and isinstance(evil[6].value, dt.datetime)
    widest = max(len(str(cell.value)) for cell in ledger["C"][2:])
    assert ledger.column_dimensions["C"].width >= min(2 * widest, 50) - 1  # titles fit (CJK counts double)
    assert ledger.page_setup.orientation == "landscape" and ledger.page_setup.paperSize in (9, "9")
    assert ledger.print_title_rows == "$1:$2"


def test_the_ledger_prints_on_a4_with_the_header_on_every_page(exports, tmp_path):
    outdir = office.convert(exports["ledger.xlsx"], "pdf", tmp_path)
    info = office.pdfinfo(outdir / "ledger.pdf")
    assert "(A4)" in info["Page size"] and info["Page size"].startswith("841")  # landscape
    pages = int(info["Pages"])
    assert pages >= 2
    text = office.pdftext(outdir / "ledger.pdf")
    for number, page in enumerate(text.split("\f")[:pages], start=1):
        assert "责任组" in page and "时间节点" in page, f"page {number} lacks the header row"
        assert re.search(rf"第\s*{number}\s*页\s*共\s*{pages}\s*页", page), f"page {number} lacks its number"


def test_libreoffice_reads_the_csv_as_unicode_text_that_cannot_run(exports, tmp_path):
    data = exports["ledger.csv"].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n")
    outdir = office.convert(exports["ledger.csv"], office.CSV_AS_SHOWN, tmp_path, infilter=office.CSV_UTF8_IN)
    lines = next(outdir.iterdir()).read_text("utf-8").splitlines()
    assert lines[0].startswith('"序号","责任组","任务"')
    evil = next(line for line in lines if "HYPERLINK" in line)
    assert '"\'=HYPERLINK(' in evil and "'+1 请复核" in evil  # OWASP's apostrophe: text, never a formula
