"""Each task rule has one home on the model, and every reader — Python, SQL, pages, digest, dashboard — agrees."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from meetingprep.dashboard.core import DashboardContext
from meetingprep.dashboard.sections import groups as groups_section
from meetingprep.extensions import db
from meetingprep.notifications.digest import overdue_by_group
from meetingprep.tasks import queries, services
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import OPEN_STATUSES, TaskStatus
from meetingprep.timeutil import now
from tests import factories


@pytest.fixture
def every_status(world):
    """One task per status, late and on time, in the materials group."""
    tasks = {}
    for status in TaskStatus:
        for late in (True, False):
            tasks[status, late] = factories.make_group_task(world.materials, world.staff, status=status,
                                                            title=f"{status.value}-{'late' if late else 'ok'}",
                                                            due_in_days=-2 if late else 2)
    db.session.commit()
    return tasks


def test_overdue_means_the_same_in_python_and_sql_and_everywhere_it_is_counted(world, every_status):
    moment = now()
    expected = {task.id for (status, late), task in every_status.items() if late and status in OPEN_STATUSES}
    assert {task.id for task in every_status.values() if task.is_overdue_at(moment)} == expected
    assert set(db.session.scalars(select(Task.id).where(Task.is_overdue_at(moment)))) == expected
    assert {t.id for t in db.session.scalars(queries._ordered(world.meeting.id, queries.LedgerFilter(overdue=True)))} \
        == expected
    assert queries.group_summary(world.materials.id)[1] == len(expected)
    digest = overdue_by_group(world.meeting, moment)
    assert digest is not None and f"共 {len(expected)} 项" in digest.title
    rows = groups_section.compute(DashboardContext(world.meeting, moment))["rows"]
    assert {row["name"]: row["overdue"] for row in rows}["材料组"] == len(expected)


def test_open_is_one_rule_for_statuses_tasks_and_sql(world, every_status):
    assert {status for status in TaskStatus if status.is_open} == OPEN_STATUSES
    open_ids = {task.id for task in every_status.values() if task.is_open}
    assert open_ids == {task.id for (status, _late), task in every_status.items() if status in OPEN_STATUSES}
    assert set(db.session.scalars(select(Task.id).where(Task.is_open))) == open_ids


def test_open_and_overdue_mean_the_same_to_every_other_reader(app, world, every_status):
    """The home pages, the dashboard's graph and risk list, the iCal feed and the reminder scan ask the model."""
    from meetingprep.dashboard.graph import load_open_graph
    from meetingprep.dashboard.sections import risk
    from meetingprep.notifications.rules import ScanContext
    from meetingprep.plans.queries import open_tasks_of
    from meetingprep.tasks import reminders, workbench

    moment = now()
    open_ids = {task.id for task in every_status.values() if task.is_open}
    overdue = {task.id for task in every_status.values() if task.is_overdue_at(moment)}
    assert set(load_open_graph(world.meeting.id).nodes) == open_ids
    assert {task.id for task in open_tasks_of(world.staff.id)} == open_ids
    assert [(row.name, row.overdue) for row in workbench.late_by_group(world.meeting.id, moment)] \
        == [("材料组", len(overdue))]
    listed = workbench.group_overdue([world.materials.id], world.meeting.id, moment)
    assert listed.count == len(overdue) and {task.id for task, _waiting in listed.rows} <= overdue
    assert risk.compute(DashboardContext(world.meeting, moment))["overdue"]["total"] == len(overdue)
    assert {item.object_id for item in reminders.collect_task_overdue_owner(ScanContext(now=moment))} == overdue


@pytest.mark.parametrize("predecessor_status, waits", [
    (TaskStatus.NOT_STARTED, True), (TaskStatus.RETURNED, True), (TaskStatus.SUBMITTED, True),
    (TaskStatus.DONE, False), (TaskStatus.CANCELLED, False)])
def test_waiting_on_a_predecessor_means_the_same_on_every_page(world, predecessor_status, waits):
    before = factories.make_group_task(world.affairs, world.affairs_staff, status=predecessor_status, title="前置")
    task = factories.make_group_task(world.materials, world.staff, title="后续", due_in_days=30)
    factories.make_hand_off(before, task)
    db.session.commit()
    assert (task.id in queries.waiting_ids([task.id])) is waits  # the ledger's page
    ledger = {t.id: waiting for t, waiting in db.session.execute(queries.ledger_statement(world.meeting.id,
                                                                                         queries.LedgerFilter()))}
    assert ledger[task.id] is waits  # the export
    assert bool(queries.my_tasks(world.staff, world.meeting.id).waiting) is waits  # 我的任务
    assert bool(services.unfinished_predecessors(task)) is waits  # submitting
    db.session.expire_all()
    assert bool(queries.task_page(queries.task_for_page(task.id)).waiting_on) is waits  # the task page


def test_a_status_note_is_labelled_by_the_step_that_led_there(world):
    assert TaskStatus.RETURNED.note_label == "退回原因" and TaskStatus.CANCELLED.note_label == "取消原因"
    assert TaskStatus.IN_PROGRESS.note_label == "" and TaskStatus.DONE.note_label == ""


def test_the_calendar_marks_overdue_tasks_from_the_model(client, login, world, every_status):
    from meetingprep.plans.queries import calendar_month

    today = now().date()
    cells = [cell for week in calendar_month(world.meeting, today.replace(day=1), None, 50) for cell in week]
    cells += [cell for week in calendar_month(world.meeting, (today - dt.timedelta(days=2)).replace(day=1), None, 50)
              for cell in week]
    flags = {row.id: row.is_overdue for cell in cells for row in cell.tasks}
    for (status, late), task in every_status.items():
        if status != TaskStatus.CANCELLED:  # the calendar leaves cancelled tasks out
            assert flags[task.id] is (late and status in OPEN_STATUSES), (status, late)
