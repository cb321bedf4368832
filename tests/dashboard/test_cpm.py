"""The critical-path method on small hand-built graphs (no database)."""

import datetime as dt

from meetingprep.dashboard.cpm import DEFAULT_DURATION, Node, remaining_work, schedule, waiting_counts
from meetingprep.tasks.states import TaskStatus

NOW = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)
OPENING = NOW + dt.timedelta(days=20)
DAY = dt.timedelta(days=1)


def node(task_id, due_in_days, work_days=1.0, group_id=1):
    return Node(id=task_id, group_id=group_id, due_at=NOW + due_in_days * DAY, remaining=work_days * DAY)


def test_chain_slack_is_shared_along_the_chain():
    nodes = {1: node(1, 5, 2), 2: node(2, 9, 3), 3: node(3, 10, 1)}
    plan = schedule(nodes, [(1, 2), (2, 3)], moment=NOW, opening=OPENING)
    assert plan.earliest_finish == {1: NOW + 2 * DAY, 2: NOW + 5 * DAY, 3: NOW + 6 * DAY}
    # 3 may finish on day 10, so 2 by day 9, so 1 by day 6 — but its own deadline is day 5.
    assert plan.latest_finish == {1: NOW + 5 * DAY, 2: NOW + 9 * DAY, 3: NOW + 10 * DAY}
    assert plan.slack == {1: 3 * DAY, 2: 4 * DAY, 3: 4 * DAY}
    assert [c.task_ids for c in plan.chains] == [(1, 2, 3)]
    assert plan.chains[0].slack == 3 * DAY


def test_diamond_follows_the_driving_branch():
    # 1 → (2 long, 3 short) → 4
    nodes = {1: node(1, 10, 1), 2: node(2, 10, 4), 3: node(3, 10, 1), 4: node(4, 8, 1)}
    plan = schedule(nodes, [(1, 2), (1, 3), (2, 4), (3, 4)], moment=NOW, opening=OPENING)
    assert plan.earliest_finish[4] == NOW + 6 * DAY  # 1 + 4 + 1 through the long branch
    assert plan.latest_finish[2] == NOW + 7 * DAY  # 4's deadline (8) minus its one day
    assert plan.latest_finish[1] == NOW + 3 * DAY  # 7 − 4 days of task 2
    assert plan.slack[2] == 2 * DAY and plan.slack[3] == 5 * DAY
    assert [c.task_ids for c in plan.chains] == [(1, 2, 4)]
    assert plan.chains[0].slack == 2 * DAY


def test_negative_slack_when_the_chain_cannot_finish_in_time():
    nodes = {1: node(1, 1, 3), 2: node(2, 2, 2)}
    plan = schedule(nodes, [(1, 2)], moment=NOW, opening=OPENING)
    assert plan.slack[2] == -3 * DAY  # earliest finish day 5, deadline day 2
    assert plan.slack[1] == -3 * DAY  # latest finish day 0 (2 − 2), earliest day 3
    assert plan.chains[0].slack == -3 * DAY


def test_opening_caps_latest_finish_and_pulls_in_predecessors_due_after_it():
    # 1 is due after the opening but 2 (due before it) waits on 1; 3 is simply after the opening.
    nodes = {1: node(1, 30, 1), 2: node(2, 15, 1), 3: node(3, 25, 1)}
    plan = schedule(nodes, [(1, 2)], moment=NOW, opening=OPENING)
    assert set(plan.slack) == {1, 2}
    assert plan.latest_finish[1] == NOW + 14 * DAY


def test_independent_tasks_are_chains_of_one_ranked_by_slack():
    nodes = {1: node(1, 9, 1), 2: node(2, 3, 1), 3: node(3, 6, 1)}
    plan = schedule(nodes, [], moment=NOW, opening=OPENING)
    assert [c.task_ids for c in plan.chains] == [(2,), (3,), (1,)]


def test_a_cycle_is_left_out_instead_of_looping():
    nodes = {1: node(1, 5), 2: node(2, 6), 3: node(3, 7)}
    plan = schedule(nodes, [(1, 2), (2, 1)], moment=NOW, opening=OPENING)
    assert set(plan.slack) == {3}


def test_remaining_work_uses_plan_progress_and_submission():
    due = NOW + 10 * DAY
    assert remaining_work(TaskStatus.IN_PROGRESS, 0, due - 4 * DAY, due) == 4 * DAY
    assert remaining_work(TaskStatus.IN_PROGRESS, 75, due - 4 * DAY, due) == DAY
    assert remaining_work(TaskStatus.NOT_STARTED, 0, None, due) == DEFAULT_DURATION
    assert remaining_work(TaskStatus.SUBMITTED, 10, due - 4 * DAY, due) == dt.timedelta(0)
    assert remaining_work(TaskStatus.NOT_STARTED, 0, due + DAY, due) == dt.timedelta(0)


def test_waiting_counts_are_transitive_and_count_each_task_once():
    edges = [(1, 2), (2, 3), (1, 3), (4, 5)]
    assert waiting_counts([1, 2, 4, 6], edges) == {1: 2, 2: 1, 4: 1, 6: 0}
