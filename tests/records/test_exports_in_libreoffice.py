"""The 意见采纳情况 report and the 委员履职 export, opened by LibreOffice (one start for both): Chinese headers,
the title and the counts above the table, dates as dates, numbers and percentages as numbers, an opinion that
looks like a formula kept as text."""

from __future__ import annotations

import csv
import re

from meetingprep.attendance import services as attendance_services
from meetingprep.attendance.models import CheckInMethod
from meetingprep.extensions import db
from meetingprep.opinions import services
from tests import factories, office
from tests.opinions.conftest import REPORT_LINES, add_version, record, reload

EVIL = '=HYPERLINK("http://evil.example/?x","点击查看")'
DATE_SHOWN = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$")


def _rows(lines: list[str]) -> list[list[str]]:
    return [next(csv.reader([line])) for line in lines]


def test_libreoffice_reads_the_opinion_report_and_the_members_records(client, login, world, tmp_path):
    adopted = record(world, "提案数字请核对。", paragraph=3)
    record(world, EVIL, paragraph=0)
    revised = [*REPORT_LINES]
    revised[2] = "全年共收到委员提案492件，经审查立案428件。"
    add_version(world, revised)
    services.answer_opinion(world.users["staff"], adopted, reload(world.report.id), response="adopted", note="",
                            version_number=2, version_id=adopted.version_id)
    sitting = factories.make_sitting(world.meeting, name="第一次全体会议", starts_in_minutes=-60)
    attendance_services.check_in(world.users["secretariat"], sitting, world.member, method=CheckInMethod.DESK,
                                 at=sitting.starts_at)
    db.session.commit()
    login(world.users["secretariat"])
    files = {}
    for name, url in {"opinions.xlsx": f"/opinions/documents/{world.report.id}/report.xlsx",
                      "records.xlsx": "/records/export.xlsx?sector=经济界"}.items():
        response = client.get(url)
        assert response.status_code == 200 and "filename*=UTF-8''" in response.headers["Content-Disposition"]
        files[name] = tmp_path / name
        files[name].write_bytes(response.data)
    sheets = {path.stem: path.read_text("utf-8").splitlines()
              for path in office.convert(list(files.values()), office.CSV_AS_SHOWN, tmp_path).iterdir()}

    report = _rows(sheets["opinions-意见采纳情况"])
    assert report[0][0] == "《常务委员会工作报告》分组讨论意见采纳情况"
    assert report[1][0].startswith("共 2 条意见：采纳 1 条") and "待答复 1 条" in report[1][0]
    assert report[2][:3] == ["序号", "当前段落", "原文（提出时）"]
    first = report[3]
    assert first[1] == "第3段" and first[6] == "采纳" and first[7] == "第2稿" and DATE_SHOWN.match(first[10])
    assert first[2].startswith("第1稿第3段：全年共收到委员提案486件")
    evil = next(row for row in report if "HYPERLINK" in "".join(row))
    assert evil[5] == EVIL and evil[1] == "全文"  # a text LibreOffice shows as typed, never evaluated

    members = _rows(sheets["records-委员履职"])
    assert members[0][0].startswith("出席率 = 实到")
    assert members[1][:5] == ["委员编号", "姓名", "界别", "讨论组", "常委"]
    zhang = next(row for row in members if row[1] == "张委员")
    assert zhang[0] == "0001" and zhang[4] == "是"
    assert (zhang[5], zhang[6], zhang[10]) == ("1", "1", "100.0%")  # expected, present, rate as a percentage
    assert zhang[16] == "2"  # opinions raised
    sectors = _rows(sheets["records-界别汇总"])
    assert sectors[0][:2] == ["界别", "委员人数"] and ["经济界", "2"] in [row[:2] for row in sectors]
    for name, lines in sheets.items():
        assert "点击查看" not in "".join(lines).replace('""点击查看""', ""), name
