"""Every page of each role, on a phone (390 px) and a tablet (1024 px): nothing scrolls sideways
(``scrollWidth > innerWidth``). The entries are read from the drawn navigation, so a new page is swept as soon as
it is linked; the detail pages and forms behind them (a task, a document, a sitting and its agenda, a notice, a
material, a member and their records, the desk, the forms) are listed in ``_details``. On the way the member's
check-in QR code must fit its box and the screen, a time input must show "17:00" whole and, at 1024 px, short
cells of a table stay one line (no one-character-a-line columns)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from tests import factories
from tests.e2e.conftest import log_in
from tests.e2e.test_ui_smoke import world  # noqa: F401 — the shared fixture: a meeting with a bit of everything

NAV_LINKS = """() => [...new Set([...document.querySelectorAll('nav.app-navbar a[href]')]
  .map((a) => a.getAttribute('href')).filter((href) => href.startsWith('/') && href !== '#'))]"""

#: Sideways scrolling, plus two smaller slips: a visible time input that cuts its value ("17:0"), and a short cell
#: (at most six characters) of a table that wraps over several lines because its column is squeezed.
OVERFLOW = """() => {
  const wide = [...document.querySelectorAll('body *')].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.right > innerWidth + 1 && getComputedStyle(el).position !== 'fixed'
      && !el.closest('.table-responsive, .plan-timeline, .overflow-auto');
  }).slice(0, 3).map((el) => el.tagName + '.' + [...el.classList].join('.'));
  const cut = [...document.querySelectorAll('input[type=time]')].filter((el) => el.offsetParent !== null
    && el.scrollWidth > el.clientWidth).map((el) => `${el.name} ${el.scrollWidth}>${el.clientWidth}`);
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom))).size;
  };
  const wrapped = innerWidth < 768 ? [] : [...document.querySelectorAll('table td')].filter((td) => {
    const text = td.innerText.trim();
    return td.offsetParent !== null && text.length > 1 && text.length <= 6 && !text.includes('\\n')
      && td.children.length === 0 && lines(td) > 1;
  }).slice(0, 3).map((td) => `${td.dataset.label || td.cellIndex}: ${td.innerText.trim()}`);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth, wide, cut, wrapped};
}"""


@pytest.fixture
def sweep_world(live_server, world):  # noqa: F811
    """The shared world and what its navigation does not reach by itself: a notice, a material and an agenda item."""
    from werkzeug.datastructures import FileStorage

    from meetingprep.agenda import services as agenda
    from meetingprep.agenda.models import AgendaItemKind
    from meetingprep.attendance.models import Sitting
    from meetingprep.auth.models import User
    from meetingprep.extensions import db
    from meetingprep.materials import services as materials
    from meetingprep.materials.models import Audience
    from meetingprep.meetings.models import Meeting
    from meetingprep.notices import services as notices
    from meetingprep.notices.models import NoticeCategory, ScopeKind
    from tests.materials.conftest import pdf_bytes

    with live_server.data():
        actor = db.session.scalar(db.select(User).where(User.username == "secretariat"))
        sitting = db.session.get(Sitting, world["sitting"])
        meeting = db.session.get(Meeting, sitting.meeting_id)
        everyone = [notices.ScopeChoice(ScopeKind.ALL_MEMBERS), notices.ScopeChoice(ScopeKind.ALL_STAFF)]
        notice = notices.create_notice(actor, meeting, notices.NoticeData(
            category=NoticeCategory.REGISTRATION, title="大会报到须知", scopes=everyone,
            body="请于开幕前一日 9:00—18:00 到会议中心一楼报到。"))
        upload = FileStorage(io.BytesIO(pdf_bytes(1)), filename="大会日程.pdf", content_type="application/pdf")
        material = materials.publish(actor, meeting, materials.PublishData(
            scope=materials.Scope(audience=Audience.ALL), title="大会日程", file=upload))
        item = agenda.add_item(actor, sitting, agenda.ItemData(
            starts_at=sitting.starts_at + dt.timedelta(minutes=5), kind=AgendaItemKind.OPENING, title="大会开幕",
            room="大会堂"))
        db.session.commit()
        return {**world, "notice": notice.id, "material": material.id, "item": item.id}


def _details(role: str, ids: dict) -> list[str]:
    """The pages behind the navigation's lists, and the forms, that each role opens."""
    task, doc, sit, member = ids["task"], ids["document"], ids["sitting"], ids["member"]
    worker = [f"/tasks/{task}", f"/documents/{doc}", f"/attendance/sittings/{sit}", f"/agenda/sittings/{sit}",
              f"/notices/{ids['notice']}", f"/materials/{ids['material']}"]
    office = [*worker, "/tasks/new", f"/tasks/{task}/edit", f"/attendance/sittings/{sit}/desk",
              "/attendance/registration/desk", f"/attendance/members/{member}", f"/attendance/members/{member}/card",
              f"/attendance/members/{member}/edit", "/attendance/members/new", "/attendance/sittings/new",
              f"/attendance/sittings/{sit}/edit", "/attendance/leave/new", f"/records/members/{member}",
              f"/agenda/items/{ids['item']}/edit", "/notices/new", f"/materials/{ids['material']}/edit",
              f"/documents/{doc}/record", "/documents/new", f"/documents/{doc}/edit", f"/documents/{doc}/versions/new",
              f"/documents/{doc}/assign", "/documents/pipelines/new", f"/groups/{ids['group']}",
              f"/groups/{ids['group']}/edit", "/meetings/new", "/plans/import", "/plans/templates/new", "/users/new",
              "/account/password"]
    return {
        "admin": office,
        "secretariat": office,
        "group_lead": [*worker, "/tasks/new"],
        "staff": worker,
        "leader": [f"/documents/{doc}", f"/attendance/sittings/{sit}"],
        "member": [f"/attendance/members/{member}/card", "/attendance/leave/new", f"/notices/{ids['notice']}",
                   f"/materials/{ids['material']}", "/agenda/mine", "/records/me"],
    }[role]


#: The check-in QR code's drawing: inside every box around it (not clipped), within the screen, and big enough
#: to scan (on a phone most of the width; the printable card keeps 12rem beside the details on wider screens).
QR_FACTS = """(selector) => {
  const svg = document.querySelector(selector + ' svg');
  if (!svg) return null;
  const box = svg.getBoundingClientRect();
  const clippedBy = [];
  for (let el = svg.parentElement; el && el !== document.body; el = el.parentElement) {
    const outer = el.getBoundingClientRect();
    if (box.left < outer.left - 1 || box.right > outer.right + 1 || box.top < outer.top - 1
        || box.bottom > outer.bottom + 1) clippedBy.push(el.tagName + '.' + [...el.classList].join('.'));
  }
  return {width: Math.round(box.width), height: Math.round(box.height), left: box.left, right: box.right,
          innerWidth, clippedBy};
}"""


def _check_qr(page, selector: str) -> dict | None:
    facts = page.evaluate(QR_FACTS, selector)
    assert facts is not None, f"no QR code in {selector}"
    fits = (facts["clippedBy"] == [] and facts["left"] >= 0 and facts["right"] <= facts["innerWidth"]
            and facts["width"] >= (facts["innerWidth"] * 0.6 if facts["innerWidth"] < 576 else 160)
            and abs(facts["width"] - facts["height"]) <= 2)
    return None if fits else facts


@pytest.mark.parametrize("width", [390, 1024])
@pytest.mark.parametrize("role", ["admin", "secretariat", "group_lead", "staff", "leader", "member"])
def test_no_page_of_the_role_scrolls_sideways(live_server, browser, sweep_world, role, width):
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
        for path in dict.fromkeys([*links, *_details(role, sweep_world)]):
            response = page.goto(live_server.url + path)
            facts = page.evaluate(OVERFLOW)
            if (response.status != 200 or facts["scrollWidth"] > facts["innerWidth"] or facts["cut"]
                    or facts["wrapped"]):
                report[path] = (response.status, facts)
            if role == "member" and path == "/" and (qr := _check_qr(page, "#my-qr")):
                report["QR on the home page"] = qr
            if path.endswith("/card") and (qr := _check_qr(page, ".qr-code")):
                report[f"QR on {path}"] = qr
        assert report == {}
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1024])
def test_the_new_task_form_shows_a_whole_time_and_the_ledger_keeps_its_columns(live_server, browser, world,  # noqa: F811
                                                                               width):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server, "secretariat", factories.PASSWORD)
        page.goto(f"{live_server.url}/tasks/new")
        page.check("[name=due_mode][value=relative]")
        time = page.locator("[name=offset_time]")
        assert time.input_value() == "17:00"
        sizes = time.evaluate("(el) => [el.scrollWidth, el.clientWidth, el.getBoundingClientRect().width]")
        assert sizes[0] <= sizes[1] and sizes[2] >= 100, sizes  # "17:00" and the picker button, not "17:0"
        if width == 1024:  # the ledger's columns: one line each, the title wide enough to read
            page.goto(f"{live_server.url}/tasks/")
            cells = page.evaluate("""() => [...document.querySelector('#ledger tbody tr').querySelectorAll('td')]
              .map((td) => ({label: td.dataset.label || '', height: td.getBoundingClientRect().height,
                             width: td.getBoundingClientRect().width, text: td.innerText.trim(),
                             font: parseFloat(getComputedStyle(td).fontSize),
                             line: parseFloat(getComputedStyle(td).lineHeight)}))""")
            title = next(c for c in cells if c["label"] == "任务")
            assert title["width"] >= 6 * title["font"], title  # the title column holds at least six characters
            for cell in cells:
                if cell["text"] and len(cell["text"]) <= 12:
                    assert cell["height"] < 2 * cell["line"] + 4, cell  # one line high, not a character a line
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
#: sits under the scheduler's jobs on its page, a material's receipts under its facts and reading figures: their
#: first card is scrolled to (SCROLLED), the others are on the first screen. ``{name}`` in a path is an id of
#: ``world`` or of what _card_data adds for that page. A list without a status or a date names the two facts a
#: reader scans it for instead (委员履职: 出席率 and 界别; the speaking order: 限时 and 预计开始).
CARD_LISTS = [
    ("/attendance/roster", "#roster", "secretariat", "报到", "报到时间", "#roster-tools"),
    ("/attendance/leave", "#leave-list", "secretariat", "状态", "提交时间", None),
    ("/audit/", "#audit-entries", "admin", "操作", "时间", "#audit-tools"),
    ("/notifications/admin", "#deliveries", "admin", "状态", "下次尝试", "#delivery-tools"),
    ("/instructions/", "#instructions-list", "secretariat", "办理情况", "批示人", None),
    ("/notices/manage", "#notices", "secretariat", "状态", "发送时间", None),
    ("/opinions/", "#opinion-reports", "secretariat", "状态", "待答复", None),
    ("/records/", "#member-records", "secretariat", "出席率", "界别", None),
    ("/agenda/", "#sittings", "secretariat", "类别", "时间", None),
    ("/agenda/sittings/{sitting}", "#agenda-items", "secretariat", "类型", "时间", None),
    ("/materials/", ".materials-table", "secretariat", "状态", "发布时间", None),
    ("/materials/briefings", "#briefings", "secretariat", "审核状态", "期数", None),
    ("/materials/{material}/receipts", ".receipts-table", "secretariat", "阅读", "首次阅读", None),
    ("/notifications/webhooks", "#webhooks", "secretariat", "状态", "平台", None),
    ("/agenda/items/{item}/speeches", "#oral-speeches", "secretariat", "限时", "预计开始", None),
    ("/users/", "#user-list", "admin", "状态", "角色", None),
    ("/attendance/", "#sittings", "secretariat", "状态", "时间", None),
    ("/attendance/follow-ups", "#follow-ups", "secretariat", "状态", "会次", None),
    ("/meetings/", "#meeting-list", "secretariat", "阶段", "时间", None),
    ("/attendance/sittings/{sitting}", "#sitting-roll", "secretariat", "状态", "编号", None),
    ("/attendance/me", "#member-record", "member", "状态", "时间", None),
]
SCROLLED = ["#deliveries", ".receipts-table"]
#: Lists that still draw a labelled line for an empty cell (the roster's 专委会, 讨论组, 常委, 手机; a follow-up's 手机)
#: instead of marking it .card-blank: not yet held to "no label over an empty line".

CARD_ROW = """([selector, status, date, scroll]) => {
  const row = document.querySelector(selector + ' tbody tr');
  if (scroll) row.scrollIntoView({behavior: 'instant', block: 'start'});
  const box = (label) => {
    const cell = row.querySelector(`td[data-label="${label}"]`);
    const rect = cell.getBoundingClientRect();
    return {x: rect.x, y: rect.y, width: rect.width, height: rect.height, text: cell.innerText.trim(),
            display: getComputedStyle(cell).display};
  };
  const blank = [...row.querySelectorAll('td[data-label]')]
    .filter((cell) => !cell.innerText.trim() && getComputedStyle(cell).display !== 'none')
    .map((cell) => cell.dataset.label);
  return {head: row.querySelector('td.card-head').getBoundingClientRect().y, status: box(status), date: box(date),
          blank,
          rowDisplay: getComputedStyle(row).display, innerWidth, innerHeight,
          scrollWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize(("path", "table", "role", "status", "date", "tools"), CARD_LISTS)
def test_more_lists_are_cards_on_a_phone_with_status_and_date_in_sight(live_server, phone_page, world,  # noqa: F811
                                                                       path, table, role, status, date, tools):
    from meetingprep.attendance.models import AbsenceFollowUp, CheckInMethod, MemberProfile, Registration
    from meetingprep.extensions import db
    from meetingprep.notifications.models import Notification

    with live_server.data():  # one member registered, one absence to follow up, one delivery in the log
        member = db.session.scalar(db.select(MemberProfile).order_by(MemberProfile.member_no))
        db.session.add(Registration(meeting_id=member.meeting_id, member_id=member.id, method=CheckInMethod.DESK))
        db.session.add(AbsenceFollowUp(meeting_id=member.meeting_id, sitting_id=world["sitting"], member_id=member.id,
                                       member_no=member.member_no, name=member.name, sector=member.sector or ""))
        factories.make_delivery(db.session.scalar(db.select(Notification).limit(1)))
        ids = {**world, **_card_data(path, member.meeting_id)}
        db.session.commit()
    log_in(phone_page, live_server, role, factories.PASSWORD)
    assert phone_page.goto(live_server.url + path.format(**ids)).status == 200
    if tools:
        assert not phone_page.locator(tools).is_visible()  # the filters fold away
    facts = phone_page.evaluate(CARD_ROW, [table, status, date, table in SCROLLED])
    assert facts["rowDisplay"] == "flex" and facts["scrollWidth"] <= facts["innerWidth"]  # a card, not a wide row
    assert facts["blank"] == [], facts  # no label over an empty line: an empty cell goes (.card-blank)
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


def _card_data(path: str, meeting_id: int) -> dict:
    """The one row a list needs that ``world`` does not have (a leader's instruction, a notice, an agenda item, a
    material, a briefing), made through the services as the pages would; returns the ids its path names."""
    import datetime as dt

    from meetingprep import timeutil
    from meetingprep.agenda import services as agenda
    from meetingprep.agenda.models import AgendaItemKind
    from meetingprep.attendance.models import Sitting
    from meetingprep.auth.models import User
    from meetingprep.extensions import db
    from meetingprep.instructions import services as instructions
    from meetingprep.materials import services as materials
    from meetingprep.materials.models import Audience
    from meetingprep.meetings.models import Meeting
    from meetingprep.notices import services as notices
    from meetingprep.notices.models import NoticeCategory, ScopeKind
    from meetingprep.tasks.models import Task

    def user(name):
        return db.session.scalar(db.select(User).where(User.username == name))

    meeting = db.session.get(Meeting, meeting_id)
    if path == "/instructions/":
        task = db.session.scalar(db.select(Task).order_by(Task.id).limit(1))
        instructions.write_instruction(user("leader"), task, "请抓紧落实，开幕前两天报告办理情况。")
    elif path == "/notices/manage":
        notices.create_notice(user("secretariat"), meeting, notices.NoticeData(
            category=NoticeCategory.REGISTRATION, title="报到须知", body="请于开幕前一天报到。",
            scopes=[notices.ScopeChoice(ScopeKind.ALL_MEMBERS)]))
    elif path == "/agenda/sittings/{sitting}":
        sitting = db.session.scalar(db.select(Sitting).where(Sitting.meeting_id == meeting_id))
        agenda.add_item(user("secretariat"), sitting, agenda.ItemData(
            starts_at=sitting.starts_at, kind=AgendaItemKind.OTHER, title="宣布开幕并奏国歌"))
    elif path == "/agenda/items/{item}/speeches":  # the 大会发言 order: one member's 定稿 speech, spoken
        from meetingprep.agenda.models import SpeechMode
        from tests.agenda.conftest import finalized_speech

        sitting = db.session.scalar(db.select(Sitting).where(Sitting.meeting_id == meeting_id))
        item = agenda.add_item(user("secretariat"), sitting, agenda.ItemData(
            starts_at=sitting.starts_at, kind=AgendaItemKind.SPEECHES, title="大会发言"))
        role_users = {name: user(name) for name in ("member", "group_lead", "secretariat")} | {"meeting": meeting}
        speech = finalized_speech(role_users, "加快建设区域教育中心")
        agenda.add_speech(user("secretariat"), item, speech, mode=SpeechMode.ORAL, minutes=8)
        db.session.flush()
        return {"item": item.id}
    elif path in ("/materials/", "/materials/{material}/receipts"):
        from tests.materials.conftest import pdf_upload

        material = materials.publish(user("secretariat"), meeting, materials.PublishData(
            scope=materials.Scope(audience=Audience.ALL), title="大会日程", file=pdf_upload()))
        db.session.flush()
        return {"material": material.id}
    elif path == "/materials/briefings":
        template = factories.make_pipeline_template([[user("group_lead")]], actor=user("secretariat"))
        materials.create_briefing(user("secretariat"), meeting, materials.BriefingData(
            scope=materials.Scope(Audience.ALL), drafter_ids=[user("staff").id], template_id=template.id,
            headline="预备会议召开", due_on=(timeutil.now() + dt.timedelta(days=1)).date()))
    return {}


def test_the_documents_board_folds_its_filters_on_a_phone(live_server, phone_page, world):  # noqa: F811
    log_in(phone_page, live_server, "secretariat", factories.PASSWORD)
    phone_page.goto(f"{live_server.url}/documents/")
    assert not phone_page.locator("#board-tools").is_visible()
    row = phone_page.locator(".doc-table tbody tr").first.bounding_box()
    assert row["y"] + row["height"] <= 844  # the first document on the first screen
    phone_page.locator("[aria-controls=board-tools]").click()
    phone_page.locator("#board-tools select[name=status]").wait_for(state="visible")


@pytest.mark.parametrize("path", ["/documents/", "/tasks/board/{group}", "/dashboard"])
def test_the_boards_use_a_1920_screen_s_width(live_server, browser, world, path):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        log_in(page, live_server, "secretariat", factories.PASSWORD)
        page.goto(live_server.url + path.format(group=world["group"]))
        width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
        assert width >= 1900, width  # container-fluid, not the 1,320 px of container-lg
    finally:
        context.close()
