import datetime as dt
import itertools
import re

import pytest
from flask import current_app
from sqlalchemy import insert, select

from meetingprep.extensions import db
from meetingprep.ops.sessions import start_session
from meetingprep.tasks.models import HandOff, Task
from meetingprep.tasks.states import TaskStatus
from tests import factories
from tests.plans.helpers import local, make_plan_task, meeting_opening, staffed_group


@pytest.fixture
def plan(app, time_machine):
    time_machine.move_to(local(2026, 12, 10, 10), tick=False)
    meeting = meeting_opening(local(2026, 12, 20, 9), name="政协第十届攀枝花市委员会第四次会议")
    hui, lead = staffed_group(meeting, "会务组", "wanghw", "王会务")
    cai, cai_lead = staffed_group(meeting, "材料组", "zhaocl", "赵材料")
    reader = factories.make_user("leader", username="lingdao")
    db.session.commit()
    return {"meeting": meeting, "hui": hui, "lead": lead, "cai": cai, "cai_lead": cai_lead, "reader": reader}


def _bulk_tasks(plan, group, owner, count, start=0, due=None):
    rows = [{"meeting_id": plan["meeting"].id, "group_id": group.id, "owner_id": owner.id, "title": f"批量任务{n}",
             "due_at": due or local(2026, 12, 1 + n % 28, 9 + n % 8), "starts_on": dt.date(2026, 11, 20),
             "status": TaskStatus.NOT_STARTED} for n in range(start, start + count)]
    db.session.execute(insert(Task), rows)
    db.session.commit()
    # a bulk insert writes no audit entry (every path of the app does), so counts kept by the
    # workers (versioned_cache.py) would not see it: forget them, as a real change would
    current_app.extensions.get("versioned_cache", {}).clear()


def _measured_get(client, url, count_queries):
    """A request as a fresh one sees it: nothing cached in the session from earlier requests, counts
    kept by the worker (versioned_cache.py) built by a first request."""
    db.session.commit()  # ends the transaction and expires everything, as between real requests
    client.get(url)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def _cell(html: str, day: str) -> str:
    start = html.index(f'data-day="{day}"')
    return html[start:html.index("</td>", start)]


def test_month_grid_cuts_days_at_shanghai_midnight_across_month_boundaries(plan, client, login):
    hui, lead = plan["hui"], plan["lead"]
    make = lambda title, due, **kw: make_plan_task(plan["meeting"], hui, lead, title=title, due_at=due, **kw)  # noqa: E731
    make("月末深夜", local(2026, 11, 30, 23, 30))
    make("月初凌晨", local(2026, 12, 1, 0, 10))  # still 11-30 in UTC
    make("跨年节点", local(2027, 1, 3, 20))
    make("下月节点", local(2027, 1, 4, 9))
    make("已逾期", local(2026, 12, 5, 17))
    make("已办结", local(2026, 12, 6, 17), status=TaskStatus.DONE)
    make("已取消", local(2026, 12, 7, 17), status=TaskStatus.CANCELLED)
    for n in range(6):
        make(f"同日{n}", local(2026, 12, 15, 8 + n))
    db.session.commit()
    login(plan["reader"])

    html = client.get("/plans/calendar?month=2026-12").get_data(as_text=True)
    days = re.findall(r'data-day="([\d-]+)"', html)
    assert days[0] == "2026-11-30" and days[-1] == "2027-01-03" and len(days) == 35  # Monday to Sunday
    assert "月末深夜" in _cell(html, "2026-11-30") and "月初凌晨" not in _cell(html, "2026-11-30")
    assert "月初凌晨" in _cell(html, "2026-12-01")
    assert "跨年节点" in _cell(html, "2027-01-03") and "下月节点" not in html
    assert "text-danger" in _cell(html, "2026-12-05") and "line-through" in _cell(html, "2026-12-06")
    assert "已取消" not in html
    busy = _cell(html, "2026-12-15")
    assert busy.count("plan-task") == 4 and "6 项" in busy and "+2 更多" in busy
    assert "/plans/calendar/2026-12-15" in busy
    day = client.get("/plans/calendar/2026-12-15").get_data(as_text=True)
    assert "共 <strong>6</strong> 项" in day and all(f"同日{n}" in day for n in range(6))
    assert client.get("/plans/calendar/2026-02-30").status_code == 404
    assert client.get("/plans/calendar/today").status_code == 404

    november = client.get("/plans/calendar?month=2026-11").get_data(as_text=True)
    assert "月末深夜" in _cell(november, "2026-11-30") and "月初凌晨" in _cell(november, "2026-12-01")


def test_calendar_group_filter_and_bad_parameters(plan, client, login):
    make_plan_task(plan["meeting"], plan["hui"], plan["lead"], title="会务节点", due_at=local(2026, 12, 12, 9))
    make_plan_task(plan["meeting"], plan["cai"], plan["cai_lead"], title="材料节点", due_at=local(2026, 12, 12, 9))
    db.session.commit()
    login(plan["reader"])
    html = client.get(f"/plans/calendar?month=2026-12&group={plan['cai'].id}").get_data(as_text=True)
    assert "材料节点" in html and "会务节点" not in html
    for query in ("month=2026-13", "month=abc&group=x", "month=99999-1&group=99999999999999999999"):
        response = client.get(f"/plans/calendar?{query}")
        assert response.status_code == 200 and "2026年12月" in response.get_data(as_text=True)


def test_calendar_query_count_does_not_grow_with_tasks(plan, client, login, count_queries):
    login(plan["reader"])
    _bulk_tasks(plan, plan["hui"], plan["lead"], 10)
    small, _html = _measured_get(client, "/plans/calendar?month=2026-12", count_queries)
    _bulk_tasks(plan, plan["hui"], plan["lead"], 490, start=10)
    large, html = _measured_get(client, "/plans/calendar?month=2026-12", count_queries)
    assert small == large
    assert "+" in _cell(html, "2026-12-02") and "更多" in _cell(html, "2026-12-02")
    day_small, _html = _measured_get(client, "/plans/calendar/2026-12-03", count_queries)
    _bulk_tasks(plan, plan["hui"], plan["lead"], 300, start=500, due=local(2026, 12, 3, 12))
    day_large, day_html = _measured_get(client, "/plans/calendar/2026-12-03", count_queries)
    assert day_small == day_large and "第 1 / 4 页" in day_html


def _measured_drawn_get(client, url, count_queries):
    """As ``_measured_get``, with the chart drawn anew (not served from the worker's cached_fragment)."""
    db.session.commit()
    client.get(url)
    kept = current_app.extensions.get("versioned_cache", {})
    for key in [key for key in kept if key[0] == "html.timeline.chart"]:
        del kept[key]
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def test_timeline_query_count_is_fixed_at_10_and_500_tasks(plan, client, login, count_queries):
    login(plan["reader"])
    url = f"/plans/timeline?group={plan['hui'].id}"
    _bulk_tasks(plan, plan["hui"], plan["lead"], 10)
    small, _html = _measured_drawn_get(client, url, count_queries)
    _bulk_tasks(plan, plan["hui"], plan["lead"], 490, start=10)
    ids = list(db.session.scalars(select(Task.id).order_by(Task.id)))
    db.session.execute(insert(HandOff), [{"predecessor_id": a, "successor_id": b}
                                                for a, b in itertools.pairwise(ids)])
    db.session.commit()
    current_app.extensions.get("versioned_cache", {}).clear()  # the bulk hand-offs wrote no audit entry
    large, html = _measured_drawn_get(client, url, count_queries)
    assert small == large
    assert "本组共 <strong>500</strong> 项任务" in html and "第 1 / 5 页" in html
    assert html.count("<rect x=") >= 100 and html.count('marker-end="url(#arrow)"') > 0
    last = client.get(url + "&page=5").get_data(as_text=True)
    assert "第 401–500 项" in last


def test_timeline_chart_is_drawn_once_for_every_reader_and_anew_after_a_change(plan, client, login, count_queries):
    task = make_plan_task(plan["meeting"], plan["hui"], plan["lead"], title="排座", due_at=local(2026, 12, 19, 17))
    db.session.commit()
    url = f"/plans/timeline?group={plan['hui'].id}"
    other, secretariat = current_app.test_client(), factories.make_user("secretariat", username="mishu_b")
    with other.session_transaction() as session:  # a second reader, logged in before anything is drawn
        start_session(secretariat)
        db.session.commit()
        session["_user_id"], session["_fresh"] = secretariat.get_id(), True
    login(plan["reader"])
    assert "排座" in client.get(url).get_data(as_text=True)
    with count_queries() as served:
        response = other.get(url)
    assert response.status_code == 200 and "排座" in response.get_data(as_text=True)
    assert not [statement for statement in served.statements if "FROM tasks" in statement]  # drawn before
    task = db.session.get(Task, task.id)
    task.title = "排定座次"  # through the ORM, audited or not: the commit raises the data version
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "排定座次" in html and ">排座<" not in html


def test_timeline_lists_cross_group_hand_offs_as_links_and_draws_lines(plan, client, login):
    hui, cai = plan["hui"], plan["cai"]
    report = make_plan_task(plan["meeting"], cai, plan["cai_lead"], title="印制工作报告",
                                 due_at=local(2026, 12, 15, 17))
    bags = make_plan_task(plan["meeting"], hui, plan["lead"], title="装袋分发", due_at=local(2026, 12, 18, 17),
                               starts_on=dt.date(2026, 12, 16))
    seats = make_plan_task(plan["meeting"], hui, plan["lead"], title="排座", due_at=local(2026, 12, 19, 17))
    db.session.add_all([HandOff(predecessor_id=report.id, successor_id=bags.id),
                        HandOff(predecessor_id=bags.id, successor_id=seats.id)])
    db.session.commit()
    login(plan["reader"])
    html = client.get(f"/plans/timeline?group={hui.id}").get_data(as_text=True)
    assert "装袋分发" in html and "排座" in html and "印制工作报告" in html
    assert html.count('marker-end="url(#arrow)"') == 1  # bags → seats, both on this page
    assert f'/tasks/{report.id}' in html and "等待" in html and f"group={cai.id}" in html
    assert ">开幕<" in html and ">今天<" in html
    assert "会务组 <span" in html and "材料组 <span" in html
    assert client.get("/plans/timeline?group=abc&page=-3").status_code == 200
    assert client.get("/plans/timeline?page=99999999999999999999").status_code == 200


def test_timeline_axis_labels_never_run_into_each_other(app):
    """A Monday the day before the 1st drew "3012月"; now the week label gives way to the month's, and 开幕 and
    今天 on one row give way to each other (#19)."""
    from types import SimpleNamespace

    from meetingprep.plans import gantt

    task = SimpleNamespace(id=1, starts_on=dt.date(2026, 11, 2), created_at=local(2026, 11, 1, 9),
                           due_at=local(2027, 2, 25, 17), status=TaskStatus.IN_PROGRESS,
                           is_overdue_at=lambda moment: False)
    opening = local(2027, 1, 10, 9)
    for today in (local(2026, 12, 7, 10), local(2027, 1, 9, 10), local(2027, 1, 10, 11)):
        chart = gantt.layout([task], [], today, opening)
        labels = {label: x for x, label in chart.ticks if label}
        assert "12月" in labels and "1月" in labels and "7" in labels  # months and weeks are drawn …
        assert "30" not in labels  # … but not Monday 30 November, a day before 12月
        spans = sorted((x + 2, x + 2 + gantt.label_width(label)) for label, x in labels.items())
        assert all(right + gantt.LABEL_GAP <= left for (_l, right), (left, _r) in itertools.pairwise(spans))
        marks = sorted([(chart.today_x, chart.today_anchor), (chart.opening_x, chart.opening_anchor)])
        extents = [(x + 3, x + 3 + gantt.label_width("今天")) if anchor == "start" else
                   (x - 3 - gantt.label_width("今天"), x - 3) for x, anchor in marks]
        assert extents[0][1] + gantt.LABEL_GAP <= extents[1][0]
