"""Each section's figures on small hand-built data."""

import datetime as dt

import pytest

from meetingprep.dashboard.core import DashboardContext
from meetingprep.dashboard.queries import compute_figures
from meetingprep.dashboard.sections.overview import countdown_text
from meetingprep.extensions import db
from meetingprep.meetings.models import Phase
from meetingprep.tasks.models import HandOff
from meetingprep.tasks.states import TaskStatus as S
from meetingprep.timeutil import now
from tests import factories

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def meeting(app):
    return factories.make_meeting(opens_in_days=10)


def figures(meeting, group_ids=None):
    return compute_figures(DashboardContext(meeting=meeting, moment=now(), group_ids=group_ids))


def link(task_a, task_b):
    db.session.add(HandOff(predecessor_id=task_a.id, successor_id=task_b.id))
    db.session.flush()


def test_countdown_phase_and_completion_per_phase(meeting):
    group = factories.make_group(meeting)
    for status in (S.DONE, S.DONE, S.IN_PROGRESS, S.CANCELLED):
        factories.make_task(meeting, group, status=status)
    for status in (S.DONE, S.SUBMITTED):
        factories.make_task(meeting, group, status=status, phase=Phase.DURING)
    overview = figures(meeting)["overview"]
    assert overview["countdown"] == {"opened": False, "closed": False, "days": 10, "hours": 0, "day_of_meeting": 0}
    assert overview["phase_label"] == "会前"
    assert overview["today"] == "2026年3月2日 周一"
    assert overview["completion"]["accepted"] == 3 and overview["completion"]["total"] == 5
    assert overview["completion"]["percent"] == 60.0
    phases = {row["id"]: (row["accepted"], row["total"], row["url"]) for row in overview["phases"]}
    assert phases == {"before": (2, 3, "/tasks/?phase=before"), "during": (1, 2, "/tasks/?phase=during"),
                      "after": (0, 0, "/tasks/?phase=after")}


def test_countdown_after_the_opening(meeting, time_machine):
    time_machine.move_to(meeting.opens_at + 2 * H, tick=False)
    overview = figures(meeting)["overview"]
    assert overview["countdown"]["opened"] is True and overview["countdown"]["closed"] is False
    assert overview["countdown"]["day_of_meeting"] == 1
    assert overview["phase_label"] == "会中"
    assert countdown_text(overview["countdown"]) == "大会进行中（第1天）"
    time_machine.move_to(meeting.opens_at + D + 2 * H, tick=False)
    assert figures(meeting)["overview"]["countdown"]["day_of_meeting"] == 2


def test_after_the_closing_the_meeting_is_closed_not_opened(meeting, time_machine):
    time_machine.move_to(meeting.closes_at + H, tick=False)
    overview = figures(meeting)["overview"]
    assert overview["countdown"]["closed"] is True and overview["phase_label"] == "会后"
    assert countdown_text(overview["countdown"]) == "大会已闭幕"


def test_group_counts_and_links(meeting):
    busy = factories.make_group(meeting, name="会务组")
    idle = factories.make_group(meeting, name="宣传组")
    factories.make_task(meeting, busy, status=S.DONE, due_at=NOW - D)  # done: never overdue
    factories.make_task(meeting, busy, status=S.IN_PROGRESS, due_at=NOW - 3 * H)  # overdue
    factories.make_task(meeting, busy, status=S.SUBMITTED, due_at=NOW + 24 * H)  # due soon
    factories.make_task(meeting, busy, status=S.NOT_STARTED, due_at=NOW + 47 * H)  # due soon
    factories.make_task(meeting, busy, status=S.NOT_STARTED, due_at=NOW + 49 * H)
    factories.make_task(meeting, busy, status=S.CANCELLED, due_at=NOW - D)  # not part of the plan
    rows = {row["name"]: row for row in figures(meeting)["groups"]["rows"]}
    assert list(rows) == ["会务组", "宣传组"]
    row = rows["会务组"]
    assert (row["total"], row["done"], row["in_progress"], row["submitted"], row["not_started"]) == (5, 1, 1, 1, 2)
    assert (row["overdue"], row["due_soon"], row["percent"]) == (1, 2, 20.0)
    assert row["urls"]["overdue"] == f"/tasks/?group={busy.id}&overdue=1"
    assert row["urls"]["due_soon"] == f"/tasks/?group={busy.id}&due_within=2"
    assert row["urls"]["submitted"] == f"/tasks/?group={busy.id}&status=submitted"
    assert rows["宣传组"]["total"] == 0 and rows["宣传组"]["overdue"] == 0
    assert rows["宣传组"]["urls"]["overdue"] == f"/tasks/?group={idle.id}&overdue=1"


def test_overdue_ordered_by_the_work_waiting_on_each(meeting):
    group = factories.make_group(meeting, name="材料组")
    blocks_two = factories.make_task(meeting, group, title="起草报告", due_at=NOW - D)
    blocks_none = factories.make_task(meeting, group, title="印制桌签", due_at=NOW - 5 * D)
    blocks_one = factories.make_task(meeting, group, title="核对名单", due_at=NOW - 2 * D)
    middle = factories.make_task(meeting, group, title="审核报告", due_at=NOW + D)
    last = factories.make_task(meeting, group, title="印发报告", due_at=NOW + 2 * D)
    finished = factories.make_task(meeting, group, title="已完成的后续", status=S.DONE)
    link(blocks_two, middle)
    link(middle, last)
    link(blocks_one, factories.make_task(meeting, group, title="制作座次"))
    link(blocks_none, finished)  # finished work does not wait
    overdue = figures(meeting)["risk"]["overdue"]
    assert overdue["total"] == 3
    assert [(r["title"], r["waiting"], r["days_overdue"]) for r in overdue["rows"]] == [
        ("起草报告", 2, 1), ("核对名单", 1, 2), ("印制桌签", 0, 5)]
    assert overdue["rows"][0]["group"] == "材料组" and overdue["rows"][0]["url"] == f"/tasks/{blocks_two.id}"
    assert overdue["url"] == "/tasks/?overdue=1"


def test_due_within_48_hours_not_yet_submitted_first(meeting):
    group = factories.make_group(meeting)
    factories.make_task(meeting, group, title="待验收", status=S.SUBMITTED, due_at=NOW + 10 * H)
    factories.make_task(meeting, group, title="进行中", status=S.IN_PROGRESS, due_at=NOW + 10 * H)
    factories.make_task(meeting, group, title="退回", status=S.RETURNED, due_at=NOW + 47 * H)
    factories.make_task(meeting, group, title="未开始", status=S.NOT_STARTED, due_at=NOW + 30 * H)
    factories.make_task(meeting, group, title="太远", status=S.NOT_STARTED, due_at=NOW + 50 * H)
    factories.make_task(meeting, group, title="已逾期", status=S.NOT_STARTED, due_at=NOW - H)
    factories.make_task(meeting, group, title="已完成", status=S.DONE, due_at=NOW + H)
    soon = figures(meeting)["risk"]["due_soon"]
    assert soon["total"] == 4 and soon["url"] == "/tasks/?due_within=2"  # exactly what the ledger shows
    assert [row["title"] for row in soon["rows"]] == ["进行中", "未开始", "退回", "待验收"]
    assert soon["rows"][0]["left"] == "10小时"
    assert [(s["id"], s["count"], s["url"]) for s in soon["statuses"]] == [
        ("not_started", 1, "/tasks/?due_within=2&status=not_started"),
        ("in_progress", 1, "/tasks/?due_within=2&status=in_progress"),
        ("returned", 1, "/tasks/?due_within=2&status=returned"),
        ("submitted", 1, "/tasks/?due_within=2&status=submitted")]


def test_critical_path_flags_chains_without_slack(meeting):
    group = factories.make_group(meeting, name="秘书组")
    late = factories.make_task(meeting, group, title="确定议程", due_at=NOW + D,
                               starts_on=(NOW - 2 * D).date())  # three days of work, one day left
    after = factories.make_task(meeting, group, title="印发议程", due_at=NOW + 2 * D)
    relaxed = factories.make_task(meeting, group, title="布置会场", due_at=NOW + 8 * D)
    factories.make_task(meeting, group, title="会后总结", due_at=meeting.closes_at + D)  # after the opening
    link(late, after)
    critical = figures(meeting)["critical_path"]
    assert "关键路径" in critical["method"]
    chains = critical["chains"]
    assert [[t["title"] for t in chain["tasks"]] for chain in chains] == [["确定议程", "印发议程"], ["布置会场"]]
    assert chains[0]["critical"] and all(t["critical"] for t in chains[0]["tasks"])
    assert not chains[1]["critical"] and chains[1]["slack"] == 7 * D
    assert critical["flagged"] == 2
    assert chains[1]["tasks"][0]["url"] == f"/tasks/{relaxed.id}"


def test_burndown_planned_against_accepted_per_day(meeting):
    group = factories.make_group(meeting)
    start = NOW - 3 * D
    factories.make_task(meeting, group, created_at=start, due_at=NOW - 2 * D, status=S.DONE,
                        accepted_at=NOW - D)
    factories.make_task(meeting, group, created_at=start, due_at=NOW - D, status=S.DONE, accepted_at=NOW - H)
    factories.make_task(meeting, group, created_at=start, due_at=NOW + 2 * D)
    factories.make_task(meeting, group, created_at=start, due_at=meeting.closes_at)  # after the opening
    factories.make_task(meeting, group, created_at=start, due_at=NOW, status=S.CANCELLED)
    burn = figures(meeting)["burndown"]
    assert burn["total"] == 3
    points = burn["points"]
    assert points[0]["day"] == dt.date(2026, 2, 27) and points[-1]["day"] == dt.date(2026, 3, 12)
    assert [(p["planned"], p["actual"]) for p in points[:6]] == [
        (3, 3), (2, 3), (1, 2), (1, 1), (1, None), (0, None)]


def test_activity_lists_latest_changes_newest_first(meeting):
    group = factories.make_group(meeting)
    task = factories.make_task(meeting, group, title="准备证件")
    task.title = "准备代表证件"
    db.session.flush()
    rows = figures(meeting)["activity"]["rows"]
    assert rows[0]["action"] == "修改" and rows[0]["object"] == "准备代表证件"
    assert rows[0]["url"] == f"/tasks/{task.id}"
    assert any(row["type"] == "工作组" for row in rows)


def test_scoped_figures_show_only_the_leads_groups(meeting):
    mine = factories.make_group(meeting, name="会务组")
    other = factories.make_group(meeting, name="宣传组")
    mine_late = factories.make_task(meeting, mine, title="会务逾期", due_at=NOW - D)
    other_late = factories.make_task(meeting, other, title="宣传逾期", due_at=NOW - D)
    link(mine_late, other_late)  # work waiting in another group still counts
    factories.make_task(meeting, other, status=S.DONE)
    scoped = figures(meeting, frozenset({mine.id}))
    assert [row["name"] for row in scoped["groups"]["rows"]] == ["会务组"]
    assert scoped["overview"]["completion"]["total"] == 1
    assert scoped["overview"]["completion"]["url"] == f"/tasks/?group={mine.id}"
    assert [(r["title"], r["waiting"]) for r in scoped["risk"]["overdue"]["rows"]] == [("会务逾期", 1)]
    assert scoped["risk"]["overdue"]["url"] == f"/tasks/?group={mine.id}&overdue=1"
    assert all(row["url"] == f"/tasks/{mine_late.id}" for row in scoped["activity"]["rows"])
    chains = scoped["critical_path"]["chains"]
    assert [[t["title"] for t in chain["tasks"]] for chain in chains] == [["会务逾期", "宣传逾期"]]


def test_no_placeholders_once_the_documents_and_attendance_domains_exist(meeting):
    result = figures(meeting)
    assert "available" not in result["documents"] and "available" not in result["attendance"]
