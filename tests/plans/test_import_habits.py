"""Plan imports survive Excel habits: dates typed as text in the usual Chinese forms, full-width
characters, trailing spaces, a date cell that lost its format, a merged title above the header."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from meetingprep.extensions import db
from meetingprep.plans import importer
from tests import factories
from tests.plans.helpers import HEADER, local, meeting_opening, row, staffed_group


@pytest.fixture
def meeting(app, time_machine):
    time_machine.move_to(local(2026, 11, 26, 10), tick=False)
    meeting = meeting_opening(local(2026, 12, 20, 9))
    hui, _lead = staffed_group(meeting, "会务组", "wanghw", "王会务")
    factories.make_user("staff", username="ligs", display_name="李干事", group=hui)
    db.session.commit()
    return meeting


def workbook(rows, title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells("A1:J1")
        sheet.append(["（请按模板填写，时间节点必填）"])
    sheet.append(HEADER)
    for line in rows:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("typed", "expected", "warning"), [
    ("2026/12/12 17:00", local(2026, 12, 12, 17), None),
    ("2026年12月12日 17:00", local(2026, 12, 12, 17), None),
    ("2026年12月12日17时30分", local(2026, 12, 12, 17, 30), None),
    ("2026.12.12 9:00", local(2026, 12, 12, 9), None),
    ("１２月１２日　１７：００ ", local(2026, 12, 12, 17), "未写年份，按 2026 年计"),
    ("1月3日 9:00", local(2027, 1, 3, 9), "未写年份，按 2027 年计"),  # the year nearest the opening
    ("2026/12/12", local(2026, 12, 12, 17), "只填了日期"),
    ("2026年12月12日", local(2026, 12, 12, 17), "只填了日期"),
    (46368, local(2026, 12, 12, 17), "只填了日期"),                   # a date cell that lost its format
    ("开幕前７天 １７：００", local(2026, 12, 13, 17), None),
])
def test_dates_in_the_usual_chinese_forms_are_read(meeting, typed, expected, warning):
    (result,) = importer.parse_workbook(workbook([row("印制证件", group="会务组 ", owner="ｌｉｇｓ ", due=typed)]),
                                        meeting).rows
    assert result.status != "error", result.issues
    assert result.spec.due_at == expected
    messages = [issue.message for issue in result.issues]
    assert any(warning in message for message in messages) if warning else messages == []


def test_a_title_above_the_header_is_skipped_and_rows_keep_their_excel_numbers(meeting):
    preview = importer.parse_workbook(workbook([row("印制证件", group="会务组", owner="ligs", due="2026/12/12 17:00"),
                                                row("布置会场", group="会务组", owner="ligs", due="明天",
                                                    predecessors="4")], title="2026年大会筹备任务表"), meeting)
    first, second = preview.rows
    assert (first.number, first.status) == (4, "new")
    assert second.number == 5 and second.status == "error"
    assert "无法识别时间「明天」" in second.issues[0].message and "12月13日 17:00" in second.issues[0].message
