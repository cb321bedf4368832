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
    if path == "/tasks/":
        assert not phone_page.locator("#f-group").is_visible()  # the filters fold away …
        phone_page.locator("[aria-controls=ledger-tools]").click()
        phone_page.locator("#f-group").wait_for(state="visible")  # … one tap brings them back
    facts = phone_page.evaluate(CARD_FACTS.replace("%s", due_label), table)
    for box in (facts["status"], facts["due"]):
        assert box["x"] >= 0 and box["x"] + box["width"] <= facts["innerWidth"]  # not off to the right
        assert box["y"] + box["height"] <= facts["innerHeight"]  # on the first screen


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
