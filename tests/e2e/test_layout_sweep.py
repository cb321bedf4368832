"""Every page reachable from each role's navigation, on a phone (390 px) and a tablet (1024 px): nothing
scrolls sideways (``scrollWidth > innerWidth``). The entries are read from the drawn navigation, so a new
page is swept as soon as it is linked."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.e2e.conftest import log_in
from tests.e2e.test_ui_smoke import world  # noqa: F401 — the shared fixture: a meeting with a bit of everything

NAV_LINKS = """() => [...new Set([...document.querySelectorAll('nav.app-navbar a[href]')]
  .map((a) => a.getAttribute('href')).filter((href) => href.startsWith('/') && href !== '#'))]"""

OVERFLOW = """() => {
  const wide = [...document.querySelectorAll('body *')].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.right > innerWidth + 1 && getComputedStyle(el).position !== 'fixed'
      && !el.closest('.table-responsive, .plan-timeline, .overflow-auto');
  }).slice(0, 3).map((el) => el.tagName + '.' + [...el.classList].join('.'));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth, wide};
}"""


@pytest.mark.parametrize("width", [390, 1024])
@pytest.mark.parametrize("role", ["admin", "secretariat", "group_lead", "staff", "leader", "member"])
def test_no_page_of_the_navigation_scrolls_sideways(live_server, browser, world, role, width):  # noqa: F811
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": 900},
                                  is_mobile=width < 600, has_touch=width < 600)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server, role, factories.PASSWORD)
        page.goto(f"{live_server.url}/")
        links = ["/", *page.evaluate(NAV_LINKS)]
        assert len(links) > 3
        report = {}
        for path in dict.fromkeys(links):
            response = page.goto(live_server.url + path)
            facts = page.evaluate(OVERFLOW)
            if response.status != 200 or facts["scrollWidth"] > facts["innerWidth"]:
                report[path] = (response.status, facts)
        assert report == {}
    finally:
        context.close()


CARD_FACTS = """(selector) => {
  const row = document.querySelector(selector + ' tbody tr');
  const cell = (label) => row.querySelector(`td[data-label="${label}"]`).getBoundingClientRect();
  return {status: cell('状态'), due: cell('%s'), innerWidth, innerHeight};
}"""


@pytest.mark.parametrize(("path", "table", "due_label"), [("/tasks/", "#ledger", "时间节点"),
                                                           ("/documents/", ".doc-table", "完成日期")])
def test_lists_are_cards_on_a_phone_with_status_and_deadline_in_sight(live_server, phone_page, world, path,  # noqa: F811
                                                                       table, due_label):
    log_in(phone_page, live_server, "secretariat", factories.PASSWORD)
    phone_page.goto(live_server.url + path)
    facts = phone_page.evaluate(CARD_FACTS.replace("%s", due_label), table)
    for box in (facts["status"], facts["due"]):
        assert box["x"] >= 0 and box["x"] + box["width"] <= facts["innerWidth"]  # not off to the right
        assert box["y"] + box["height"] <= facts["innerHeight"]  # on the first screen, as the page opens
    if path == "/tasks/":
        assert not phone_page.locator("#f-group").is_visible()  # the filters fold away …
        phone_page.locator("[aria-controls=ledger-tools]").click()
        phone_page.locator("#f-group").wait_for(state="visible")  # … one tap brings them back


@pytest.mark.parametrize("width", [390, 1024])
def test_the_unread_count_stays_in_sight_when_the_menu_folds(live_server, browser, world, width):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        log_in(page, live_server, "staff", factories.PASSWORD)
        page.goto(f"{live_server.url}/tasks/")
        assert not page.locator("#mainNav").is_visible()  # folded behind the menu button below 1200 px
        badge = page.locator(".nav-unread")
        assert badge.is_visible() and re.search(r"通知 \d+", badge.inner_text())
        box, toggler = badge.bounding_box(), page.locator(".navbar-toggler").bounding_box()
        assert box["x"] + box["width"] <= toggler["x"]  # beside the button, not behind it
        badge.click()
        page.wait_for_url("**/notifications/")
    finally:
        context.close()


#: (path, table, role, status column, date column, filters that fold away on a phone or None). The delivery log
#: sits under the scheduler's jobs on its page: its first card is scrolled to, the others are on the first screen.
CARD_LISTS = [
    ("/attendance/roster", "#roster", "secretariat", "报到", "报到时间", "#roster-tools"),
    ("/attendance/leave", "#leave-list", "secretariat", "状态", "提交时间", None),
    ("/audit/", "#audit-entries", "admin", "操作", "时间", "#audit-tools"),
    ("/notifications/admin", "#deliveries", "admin", "状态", "下次尝试", "#delivery-tools"),
]

CARD_ROW = """([selector, status, date]) => {
  const row = document.querySelector(selector + ' tbody tr');
  if (selector === '#deliveries') row.scrollIntoView({behavior: 'instant', block: 'start'});
  const box = (label) => {
    const cell = row.querySelector(`td[data-label="${label}"]`);
    const rect = cell.getBoundingClientRect();
    return {x: rect.x, y: rect.y, width: rect.width, height: rect.height, text: cell.innerText.trim(),
            display: getComputedStyle(cell).display};
  };
  return {head: row.querySelector('td.card-head').getBoundingClientRect().y, status: box(status), date: box(date),
          rowDisplay: getComputedStyle(row).display, innerWidth, innerHeight,
          scrollWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize(("path", "table", "role", "status", "date", "tools"), CARD_LISTS)
def test_more_lists_are_cards_on_a_phone_with_status_and_date_in_sight(live_server, phone_page, world,  # noqa: F811
                                                                       path, table, role, status, date, tools):
    from meetingprep.attendance.models import CheckInMethod, MemberProfile, Registration
    from meetingprep.extensions import db
    from meetingprep.notifications.models import Notification

    with live_server.data():  # one member registered, one delivery in the log
        member = db.session.scalar(db.select(MemberProfile).order_by(MemberProfile.member_no))
        db.session.add(Registration(meeting_id=member.meeting_id, member_id=member.id, method=CheckInMethod.DESK))
        factories.make_delivery(db.session.scalar(db.select(Notification).limit(1)))
        db.session.commit()
    log_in(phone_page, live_server, role, factories.PASSWORD)
    phone_page.goto(live_server.url + path)
    if tools:
        assert not phone_page.locator(tools).is_visible()  # the filters fold away
    facts = phone_page.evaluate(CARD_ROW, [table, status, date])
    assert facts["rowDisplay"] == "flex" and facts["scrollWidth"] <= facts["innerWidth"]  # a card, not a wide row
    for box in (facts["status"], facts["date"]):
        assert box["text"] and box["display"] != "none", facts
        assert box["x"] >= 0 and box["x"] + box["width"] <= facts["innerWidth"], facts  # not off to the right
        assert box["y"] + box["height"] <= facts["innerHeight"], facts  # on the first screen
        assert box["y"] > facts["head"]  # under the card's title
    if path == "/attendance/roster":
        assert facts["status"]["text"] == "已报到" and "月" in facts["date"]["text"]
    if tools:
        phone_page.locator(f"[aria-controls={tools[1:]}]").click()
        phone_page.locator(tools).wait_for(state="visible")  # one tap brings them back


def test_the_documents_board_folds_its_filters_on_a_phone(live_server, phone_page, world):  # noqa: F811
    log_in(phone_page, live_server, "secretariat", factories.PASSWORD)
    phone_page.goto(f"{live_server.url}/documents/")
    assert not phone_page.locator("#board-tools").is_visible()
    row = phone_page.locator(".doc-table tbody tr").first.bounding_box()
    assert row["y"] + row["height"] <= 844  # the first document on the first screen
    phone_page.locator("[aria-controls=board-tools]").click()
    phone_page.locator("#board-tools select[name=status]").wait_for(state="visible")
