"""Printable pages printed by Chromium to PDF and read back with poppler (pdfinfo, pdftotext): A4, the
title and the header row on every page, page numbers, the number of pages a print run takes."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from meetingprep.extensions import db
from meetingprep.timeutil import now
from tests import factories, office
from tests.e2e.conftest import log_in

MEMBERS = 45


@pytest.fixture
def printed(live_server, page, tmp_path):
    """print(path, **pdf_options) → (pdfinfo fields, [text of each page]) of the page at ``path``."""

    def _print(path: str, **options):
        page.goto(f"{live_server.url}{path}")
        target = tmp_path / f"print-{len(list(tmp_path.glob('print-*.pdf')))}.pdf"
        page.pdf(path=str(target), **(options or {"prefer_css_page_size": True}))
        info = office.pdfinfo(target)
        pages = office.pdftext(target).split("\f")[: int(info["Pages"])]
        return info, pages

    return _print


@pytest.fixture
def world(live_server):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届测试市委员会第四次会议", opens_in_days=6)
        group = factories.make_group(meeting, name="会务组")
        owner = factories.make_user("staff", display_name="工作人员李四", group=group)
        for number in range(12):
            factories.make_task(meeting, group, owner, title=f"筹备任务{number}",
                                due_at=now() + dt.timedelta(days=number - 3))
        factories.make_user("secretariat", username="mishu")
        factories.make_user("leader", username="lingdao")
        members = [factories.make_member(meeting, name=f"委员{n:02d}", member_no=f"{n:04d}")
                   for n in range(1, MEMBERS + 1)]
        later = factories.make_sitting(meeting, name="第二次全体会议", starts_in_minutes=24 * 60)
        db.session.commit()
        return {"later": later.id, "member": members[0].id}


def _a4(info, landscape=False) -> bool:
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    if landscape:
        width, height = height, width
    return "(A4)" in info["Page size"] and width < height


def test_the_sign_in_sheet_prints_on_a4_with_title_header_and_number_on_every_page(live_server, page, printed, world):
    log_in(page, live_server, "mishu", factories.PASSWORD)
    info, pages = printed(f"/attendance/sittings/{world['later']}/sheet")
    assert _a4(info) and len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "第二次全体会议 签到表" in text and "本人签名" in text, f"page {number}: no title or header row"
        assert re.search(rf"第\s*{number}\s*页\s*共\s*{len(pages)}\s*页", text), f"page {number}: no page number"
        assert "缺席" not in text  # the sitting has not begun: blank status cells


def test_all_registration_cards_print_in_one_job_two_a_sheet(live_server, page, printed, world):
    log_in(page, live_server, "mishu", factories.PASSWORD)
    info, pages = printed("/attendance/roster/cards/print")
    assert _a4(info) and len(pages) == math.ceil(MEMBERS / 2)
    assert all(text.count("委员报到表") == 2 for text in pages[:-1])
    assert "委员45" in pages[-1]
    single, _ = printed(f"/attendance/members/{world['member']}/card")
    assert _a4(single) and single["Pages"] == "1"


def test_the_dashboard_prints_on_one_a4_landscape_sheet(live_server, page, printed, world):
    log_in(page, live_server, "lingdao", factories.PASSWORD)
    for options in ({"prefer_css_page_size": True}, {"format": "A4", "landscape": True}):
        info, pages = printed("/dashboard", **options)
        assert _a4(info, landscape=True) and len(pages) == 1, (options, info)
        assert "领导驾驶舱" in pages[0] and "各组进度" in pages[0]  # title and figures on the same sheet
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed") is True
