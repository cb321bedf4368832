"""The wall (大屏) on a 1920×1080 screen, opened through a kiosk link as a venue's screen would: every screen of
its rotation fits without scrolling, 关键路径 / 材料审核 / 出席 / the burn-down all come round, every text meets
WCAG AA contrast against what it is drawn on, the critical path's arrows are seen, and a change made
elsewhere reaches the screen without a reload."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from meetingprep.attendance.models import CheckInMethod, MemberProfile, Registration
from meetingprep.dashboard import kiosk
from meetingprep.documents.models import DocumentStage
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories
from tests.e2e.test_dashboard_flow import seed_meeting

KEY_SECTIONS = {"section-critical_path", "section-documents", "section-attendance", "section-burndown"}

#: Every element with text of its own (and every SVG text) on the wall, with its colour composited over the
#: backgrounds beneath it (opacity included) and the WCAG 2 contrast ratio. The wall's hidden screens are shown
#: all at once for the measurement: colours do not depend on which screen is up.
CONTRAST = """() => {
  const root = document.querySelector('body.dashboard-wall');
  root.querySelectorAll('.dashboard-section').forEach((s) => { s.hidden = false; });
  const parse = (value) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(value || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg.a > 0) layers.push(bg);
      if (bg && bg.a === 1) break;
    }
    return layers.reverse().reduce((under, layer) => over(layer, under), {r: 255, g: 255, b: 255, a: 1});
  };
  const opacity = (el) => {
    let value = 1;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      value *= Number(getComputedStyle(node).opacity);
    }
    return value;
  };
  const luminance = (c) => {
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const measure = (el, colour, style, text) => {
    const bg = background(el);
    const fg = over({...colour, a: colour.a * opacity(el)}, bg);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    return {text: text.trim().slice(0, 30), cls: el.getAttribute('class') || el.tagName, ratio: ratio(fg, bg),
            needed: large ? 3 : 4.5, colour: style.color, background: `rgb(${bg.r}, ${bg.g}, ${bg.b})`};
  };
  const results = [];
  root.querySelectorAll('*').forEach((el) => {
    if (el.closest('template') || !el.getClientRects().length) return;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') return;
    if (el instanceof SVGTextElement) {
      results.push(measure(el, parse(style.fill), style, el.textContent));
      return;
    }
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('');
    if (own.trim()) results.push(measure(el, parse(style.color), style, own));
    const before = getComputedStyle(el, '::before');
    if (before.content && before.content !== 'none' && before.content !== 'normal'
        && before.content.replace(/["'\\s]/g, '')) {
      results.push({...measure(el, parse(before.color), before, before.content), pseudo: true});
    }
  });
  return results;
}"""


@pytest.fixture
def wall_url(live_server):
    """A meeting with something in every wall section, and a kiosk link to its wall (no login needed)."""
    with live_server.data():
        group_id = seed_meeting()  # an overdue task with a successor: a critical chain
        meeting = db.session.scalar(db.select(Meeting))
        secretary = factories.make_user("secretariat", username="mishu")
        reviewer = factories.make_user("staff", display_name="审核人钱七")
        drafter = factories.make_user("staff", display_name="起草人孙八")
        template = factories.make_pipeline_template([[reviewer], [secretary]], actor=secretary, name="两审")
        for title in ("常委会工作报告", "提案工作情况报告"):
            document = factories.make_document(meeting, template=template, drafters=[drafter], title=title,
                                               actor=secretary)
            factories.add_text_version(document, drafter, "报告正文")
        db.session.commit()
        stage = db.session.scalar(db.select(DocumentStage).where(DocumentStage.started_at.is_not(None)))
        stage.due_at = now() - dt.timedelta(hours=3)  # its time allowance ran out: red-framed on the track
        for n in range(3):
            factories.make_member(meeting, name=f"委员{n + 1}")
        factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=-30)
        link = kiosk.create_link(secretary, meeting, "主会场屏")
        db.session.commit()
        token = kiosk.token_for(link)
    return f"{live_server.url}/wall/{token}", group_id


@pytest.fixture
def screen(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1920, "height": 1080})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_every_screen_of_the_wall_fits_1080p_and_the_key_sections_come_round(screen, wall_url):
    url, _group = wall_url
    response = screen.goto(f"{url}?rotate=1")
    assert response.status == 200 and "/login" not in screen.url
    every = set(screen.evaluate("[...document.querySelectorAll('.dashboard-section')].map((s) => s.id)"))
    assert every >= KEY_SECTIONS
    seen = set()
    for _ in range(10):
        facts = screen.evaluate("""() => ({
          height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
          shown: [...document.querySelectorAll('.dashboard-section')].filter((s) => !s.hidden).map((s) => s.id)})""")
        assert facts["height"] <= 1080 and facts["width"] <= 1920, facts
        seen |= set(facts["shown"])
        if seen == every:
            break
        screen.wait_for_timeout(500)
    assert seen == every


def test_all_text_on_the_wall_meets_wcag_aa_contrast_and_the_critical_path_arrows_are_seen(screen, wall_url):
    url, _group = wall_url
    screen.goto(url)
    chains = screen.locator("#section-critical_path .critical-chain.is-critical")
    expect(chains.first).to_contain_text("落实会场座次")
    expect(screen.locator("#section-documents .doc-track-stage.is-current").first).to_be_attached()
    results = screen.evaluate(CONTRAST)
    assert len(results) > 60  # the measurement saw the wall's texts, not an empty page
    failing = [r for r in results if r["ratio"] < r["needed"]]
    assert failing == [], failing[:10]
    arrows = [r for r in results if r.get("pseudo") and "➜" in r["text"]]
    assert arrows and all(r["ratio"] >= 4.5 for r in arrows)  # between the tasks of a chain, on the dark card
    seen = {r["text"] for r in results}
    assert {"关键路径（至开幕）", "材料审核", "报到与出席", "进度趋势（燃尽图）"} <= seen


def test_the_wall_updates_live_through_the_kiosk_link_after_a_change(screen, wall_url, live_server):
    url, group_id = wall_url
    screen.goto(f"{url}?refresh=1&rotate=600")
    screen.evaluate("window.__notReloaded = true")
    screen.evaluate("document.querySelectorAll('.dashboard-section').forEach((s) => { s.hidden = false; })")
    done = screen.locator(f'[data-figure="groups.rows.#{group_id}.done"]')
    registered = screen.locator('[data-figure="attendance.registration.registered"]')
    chains = screen.locator('[data-list="critical_path.chains"]')
    expect(done).to_have_text("0")
    expect(registered).to_have_text("0")
    expect(chains).to_contain_text("落实会场座次")

    with live_server.data():  # meanwhile, at the desk and in the ledger
        for task in db.session.scalars(db.select(Task).where(Task.title.in_(["制作代表证", "落实会场座次"]))):
            task.status, task.accepted_at = TaskStatus.DONE, now()
        member = db.session.scalar(db.select(MemberProfile).order_by(MemberProfile.id))
        db.session.add(Registration(meeting_id=member.meeting_id, member_id=member.id, method=CheckInMethod.DESK))
        db.session.commit()

    expect(done).to_have_text("2", timeout=10_000)
    expect(registered).to_have_text("1", timeout=10_000)
    expect(chains).not_to_contain_text("落实会场座次")
    assert screen.evaluate("window.__notReloaded") is True  # figures replaced in place, no reload
