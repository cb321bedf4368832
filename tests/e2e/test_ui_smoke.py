"""Every role's everyday pages, on a phone: Chinese, no sideways scrolling, nothing loaded from outside,
no inline script (CSP), no console errors. A cheap net under every template change."""

from __future__ import annotations

import re

import pytest

from meetingprep.documents import queries as review_queries
from meetingprep.documents import services as review
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.permissions import Role
from tests import factories
from tests.e2e.conftest import log_in

#: ASCII-only button labels that are names of things, not untranslated words.
ASCII_TERMS = {"PDF", "Excel", "QR", "CSV", "Word"}

#: Collects CSP violations from the first script on every page (init scripts are not subject to CSP).
CSP_PROBE = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""

PAGE_FACTS = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const labels = [...document.querySelectorAll('button, input[type=submit], input[type=button], a.btn')]
    .filter(visible).map((el) => (el.innerText || el.value || '').trim());
  const external = [...document.querySelectorAll('[src], link[href]')]
    .map((el) => el.src || el.href).filter((url) => url && new URL(url, location.href).origin !== location.origin
      && !url.startsWith('data:'));
  const handlers = [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes]
    .filter((a) => /^on/i.test(a.name)).map((a) => el.tagName + '[' + a.name + ']'));
  return {
    lang: document.documentElement.lang,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    labels, external, handlers,
    inlineScripts: document.querySelectorAll('script:not([src])').length,
    csp: window.__csp || [],
  };
}"""


@pytest.fixture
def world(live_server):
    """One meeting with a bit of everything, and one user per role (usernames = role values)."""
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        group = factories.make_group(meeting, name="会务组", duties="负责会场布置")
        users = {
            "admin": factories.make_user(Role.ADMIN, username="admin", display_name="管理员"),
            "secretariat": factories.make_user(Role.SECRETARIAT, username="secretariat", display_name="秘书处张三"),
            "group_lead": factories.make_user(Role.GROUP_LEAD, username="group_lead", display_name="组长李四",
                                              group=group, is_lead=True),
            "staff": factories.make_user(Role.STAFF, username="staff", display_name="工作人员王五", group=group),
            "leader": factories.make_user(Role.LEADER, username="leader", display_name="主席赵六"),
            "member": factories.make_user(Role.MEMBER, username="member", display_name="委员钱七"),
        }
        task = factories.make_group_task(group, users["staff"], title="布置主会场（主席台、会标、座签）")
        factories.make_group_task(group, users["staff"], title="印制大会手册", due_in_days=-2)
        pipeline = factories.make_pipeline_template([[users["group_lead"]]], actor=users["secretariat"])
        document = factories.make_document(meeting, title="常委会工作报告", group=group, template=pipeline,
                                           drafters=[users["staff"]], actor=users["secretariat"])
        document = factories.add_text_version(document, users["staff"], "各位委员：\n现在，我代表常务委员会作报告。")
        review.decide(users["group_lead"], document, Decision.RETURN, comment="请写明“向大会报告工作”。")
        db.session.expire_all()
        document = factories.add_text_version(review_queries.document_for_action(document.id), users["staff"],
                                              "各位委员：\n现在，我代表常务委员会向大会报告工作。")
        member = factories.make_member(meeting, name="钱七", user=users["member"])
        factories.make_member(meeting, name="孙八")
        sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=30)
        factories.make_leave(member, [sitting], reason="赴外地参加学术会议，无法出席。")
        for user in users.values():
            factories.make_notification(user, subject="【任务提醒】请按时完成", link=f"/tasks/{task.id}")
        db.session.commit()
        ids = {"group": group.id, "task": task.id, "document": document.id, "member": member.id,
               "sitting": sitting.id}
    return ids


def _pages(role: str, ids: dict) -> list[str]:
    task, doc, sit, grp = ids["task"], ids["document"], ids["sitting"], ids["group"]
    worker = ["/", "/tasks/mine", "/tasks/", f"/tasks/board/{grp}", f"/tasks/{task}", "/plans/calendar",
              "/plans/timeline", "/documents/", "/documents/queue", f"/documents/{doc}", f"/documents/{doc}/diff",
              "/notifications/", "/notifications/settings", "/groups/", "/meetings/"]
    attendance = ["/attendance/", f"/attendance/sittings/{sit}", "/attendance/roster", "/attendance/leave",
                  "/attendance/figures"]
    return {
        "admin": [*worker, *attendance, "/users/", "/audit/", "/notifications/admin"],
        "secretariat": [*worker, *attendance, f"/documents/{doc}/record", f"/attendance/sittings/{sit}/desk",
                        f"/attendance/members/{ids['member']}/card", "/users/", "/audit/"],
        "group_lead": [*worker, *attendance],
        "staff": [*worker, *attendance],
        "leader": ["/", "/tasks/", "/plans/calendar", "/documents/", "/documents/queue", f"/documents/{doc}",
                   f"/documents/{doc}/record", *attendance, "/notifications/"],
        "member": ["/", "/attendance/me", "/attendance/leave/new", f"/attendance/members/{ids['member']}/card",
                   "/documents/speeches/mine", "/documents/speeches/new", "/notifications/",
                   "/notifications/settings"],
    }[role]


def _problems(page, url: str, expected_status: int = 200) -> list[str]:
    errors: list[str] = []
    listener = lambda message: errors.append(message.text) if message.type == "error" else None  # noqa: E731
    page.on("console", listener)
    try:
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        facts = page.evaluate(PAGE_FACTS)
    finally:
        page.remove_listener("console", listener)
    found = []
    if response is None or response.status != expected_status:
        found.append(f"status {response.status if response else None}")
    if facts["lang"] != "zh-CN":
        found.append(f"<html lang={facts['lang']!r}>")
    if facts["scrollWidth"] > facts["innerWidth"] + 1:
        found.append(f"page scrolls sideways ({facts['scrollWidth']}px > {facts['innerWidth']}px)")
    english = [label for label in facts["labels"]
               if re.search("[A-Za-z]", label) and label.isascii() and label not in ASCII_TERMS]
    if english:
        found.append(f"English button labels {english}")
    if facts["external"]:
        found.append(f"loads from outside {facts['external']}")
    if facts["inlineScripts"] or facts["handlers"]:
        found.append(f"inline script {facts['inlineScripts']} / handlers {facts['handlers']}")
    if facts["csp"]:
        found.append(f"CSP violations {facts['csp']}")
    expected_error = f"status of {expected_status}" if expected_status != 200 else None
    console = [e for e in errors if not (expected_error and expected_error in e)]
    if console:
        found.append(f"console errors {console}")
    return found


@pytest.mark.parametrize("role", ["admin", "secretariat", "group_lead", "staff", "leader", "member"])
def test_every_main_page_of_the_role_passes_on_a_phone(live_server, phone_page, world, role):
    phone_page.add_init_script(CSP_PROBE)
    log_in(phone_page, live_server, role, factories.PASSWORD)
    report = {}
    for path in _pages(role, world):
        found = _problems(phone_page, live_server.url + path)
        if found:
            report[path] = found
    # The error pages are seen too: a page that does not exist, and one the role may not open.
    if found := _problems(phone_page, f"{live_server.url}/no/such/page", expected_status=404):
        report["404"] = found
    forbidden = "/users/" if role not in ("admin", "secretariat") else "/attendance/me"
    if found := _problems(phone_page, live_server.url + forbidden, expected_status=403):
        report["403"] = found
    assert report == {}


@pytest.mark.parametrize("role", ["secretariat", "leader"])
def test_dashboard_and_wall_pass_on_a_phone(live_server, phone_page, world, role):
    phone_page.add_init_script(CSP_PROBE)
    log_in(phone_page, live_server, role, factories.PASSWORD)
    report = {path: found for path in ("/dashboard", "/dashboard/wall")
              if (found := _problems(phone_page, live_server.url + path))}
    assert report == {}


def test_the_login_page_passes_on_a_phone(live_server, phone_page):
    phone_page.add_init_script(CSP_PROBE)
    assert _problems(phone_page, f"{live_server.url}/login") == []
