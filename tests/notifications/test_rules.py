"""Task reminder rules under a controlled clock: right moment, right people, exactly once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import delete, func, insert, select

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.notifications.models import Delivery, Notification, ReminderLog
from meetingprep.notifications.rules import RULES
from meetingprep.notifications.scan import LISTED_ITEMS, scan_reminders
from meetingprep.tasks.models import Task, TaskCoworker
from meetingprep.tasks.states import TaskStatus
from tests.notifications.conftest import build_task, local


def scan() -> list[Notification]:
    """One scan as the scheduler runs it (own unit of work, fresh session), returning what it created."""
    before = db.session.scalar(select(func.max(Notification.id))) or 0
    scan_reminders()
    db.session.commit()
    db.session.remove()
    return list(db.session.scalars(select(Notification).where(Notification.id > before).order_by(Notification.id)))


def by_recipient(notifications) -> Counter:
    return Counter(n.recipient_id for n in notifications)


@pytest.fixture
def story(app, cast, clock):
    """A task created on 1 Jan, due 8 Jan 17:00 (Shanghai), owner + one co-worker."""
    clock(2027, 1, 1, 10, 0)
    task = build_task(cast, local(2027, 1, 8, 17, 0), title="起草大会议程",
                      coworkers=[cast.coworker])
    db.session.commit()
    return task


def test_due_soon_fires_3_days_1_day_and_on_the_morning_to_owner_and_coworker(story, cast, clock):
    clock(2027, 1, 5, 16, 59)
    assert scan() == []

    clock(2027, 1, 5, 17, 0)  # exactly 3 days before
    created = scan()
    assert by_recipient(created) == {cast.owner: 1, cast.coworker: 1}
    assert {n.kind for n in created} == {"task.due"}
    assert "起草大会议程" in created[0].subject and "2027年1月8日" in created[0].subject
    assert created[0].link == f"/tasks/{story}"
    assert scan() == []  # repeat scans create nothing new

    clock(2027, 1, 6, 12, 0)
    assert scan() == []

    clock(2027, 1, 7, 17, 0)  # 1 day before
    assert by_recipient(scan()) == {cast.owner: 1, cast.coworker: 1}
    assert scan() == []

    clock(2027, 1, 8, 8, 0)  # the deadline's morning
    morning = scan()
    assert by_recipient(morning) == {cast.owner: 1, cast.coworker: 1}
    assert "还剩9小时" in morning[0].body
    clock(2027, 1, 8, 16, 59)
    assert scan() == []


def test_overdue_ladder_day_0_1_3(story, cast, clock):
    clock(2027, 1, 8, 17, 0)  # day 0: the owner only
    day0 = scan()
    assert by_recipient(day0) == {cast.owner: 1}
    assert day0[0].kind == "task.overdue" and not day0[0].is_escalation
    assert scan() == []

    clock(2027, 1, 9, 17, 5)  # day 1: owner again, and the group lead
    day1 = scan()
    assert by_recipient(day1) == {cast.owner: 1, cast.lead: 1}
    assert {n.kind for n in day1} == {"task.overdue", "task.overdue.lead"}
    assert scan() == []

    clock(2027, 1, 10, 18, 0)  # day 2: daily, still no secretariat
    assert by_recipient(scan()) == {cast.owner: 1, cast.lead: 1}

    clock(2027, 1, 11, 17, 0)  # day 3: escalation to the secretariat
    day3 = scan()
    assert by_recipient(day3) == {cast.owner: 1, cast.lead: 1, cast.secretary: 1}
    escalation = next(n for n in day3 if n.recipient_id == cast.secretary)
    assert escalation.is_escalation and escalation.kind == "task.overdue.secretariat"
    assert "秘书组" in escalation.body

    clock(2027, 1, 12, 17, 0)  # the secretariat is told once; owner and lead daily
    assert by_recipient(scan()) == {cast.owner: 1, cast.lead: 1}
    assert scan() == []


def test_closed_tasks_are_never_reminded(story, cast, clock):
    db.session.get(Task, story).status = TaskStatus.DONE
    db.session.commit()
    for day in (5, 7, 8, 9, 12):
        clock(2027, 1, day, 17, 0)
        assert scan() == []


def test_missed_reminders_after_downtime_are_sent_once_not_in_a_burst(story, cast, clock):
    clock(2027, 1, 8, 9, 30)  # the scheduler was down from 1 Jan: 3d, 1d and morning all passed
    created = scan()
    assert by_recipient(created) == {cast.owner: 1, cast.coworker: 1}
    assert db.session.scalar(select(func.count(ReminderLog.id))) == 2  # only the latest stage
    assert scan() == []


def test_a_task_created_inside_a_window_skips_the_stages_before_it_existed(app, cast, clock):
    clock(2027, 1, 7, 12, 0)  # created 2 days before the deadline: no "3 days left"
    build_task(cast, local(2027, 1, 9, 17, 0))
    db.session.commit()
    assert scan() == []
    clock(2027, 1, 8, 17, 0)
    assert by_recipient(scan()) == {cast.owner: 1}


def test_three_due_tasks_become_one_message_per_person(app, cast, clock):
    clock(2027, 1, 1, 9, 0)
    titles = ["印制代表证", "布置主会场", "核对委员名单"]
    for hour, title in zip((15, 16, 17), titles, strict=True):
        build_task(cast, local(2027, 1, 6, hour, 0), title=title,
                   coworkers=[cast.coworker] if title == "印制代表证" else [])
    db.session.commit()
    clock(2027, 1, 5, 17, 30)  # all three passed "1 day before"
    created = scan()
    assert by_recipient(created) == {cast.owner: 1, cast.coworker: 1}
    grouped = next(n for n in created if n.recipient_id == cast.owner)
    assert grouped.kind == "reminder.group"
    assert "3项" in grouped.subject
    assert all(title in grouped.body for title in titles)
    assert grouped.body.startswith("张明，您好")
    assert grouped.link == "/notifications/"
    single = next(n for n in created if n.recipient_id == cast.coworker)
    assert single.kind == "task.due" and "印制代表证" in single.subject
    assert db.session.scalar(select(func.count(ReminderLog.id))) == 4
    assert scan() == []


def test_inactive_people_are_not_reminded(story, cast, clock):
    db.session.get(User, cast.coworker).is_active_account = False
    db.session.commit()
    clock(2027, 1, 5, 17, 0)
    assert by_recipient(scan()) == {cast.owner: 1}


def test_a_moved_deadline_reminds_again_for_the_new_moment(story, cast, clock):
    clock(2027, 1, 5, 17, 0)
    assert len(scan()) == 2
    task = db.session.get(Task, story)
    task.due_at = local(2027, 1, 10, 17, 0).astimezone(dt.UTC)
    db.session.commit()
    clock(2027, 1, 7, 17, 0)
    assert len(scan()) == 2  # the new 3-days-before moment


def test_quiet_hours_defer_pushes_but_not_escalations(app, cast, clock):
    app.config["MAIL_HOST"] = "127.0.0.1"  # queue e-mail; nothing is sent in this test
    clock(2027, 1, 1, 9, 0)
    build_task(cast, local(2027, 1, 8, 23, 0), title="夜间任务")
    db.session.commit()
    clock(2027, 1, 11, 23, 0)  # day 3 overdue at 23:00: owner/lead deferred, secretariat escalated now
    created = scan()
    assert by_recipient(created) == {cast.owner: 1, cast.lead: 1, cast.secretary: 1}
    deliveries = {recipient_id: delivery for delivery, recipient_id in db.session.execute(
        select(Delivery, Notification.recipient_id).join(Delivery.notification))}
    assert deliveries[cast.owner].next_attempt_at == local(2027, 1, 12, 7, 0)
    assert deliveries[cast.lead].next_attempt_at == local(2027, 1, 12, 7, 0)
    assert deliveries[cast.secretary].next_attempt_at == local(2027, 1, 11, 23, 0)
    # The in-app messages are in the inbox at once: quiet hours hold back pushes, not the inbox.
    assert all(n.created_at == local(2027, 1, 11, 23, 0) for n in created)


def test_restart_with_fresh_sessions_duplicates_nothing(story, cast, clock, app):
    clock(2027, 1, 9, 17, 0)
    first = scan()
    assert first
    # "Restart": the scan after it runs in a fresh session (scan() drops the session each time) and
    # finds every item already in ReminderLog.
    assert scan() == []
    assert db.session.scalar(select(func.count(Notification.id))) == len(first)


def _build_many(cast, count: int, overdue_only: bool = False) -> None:
    """``count`` tasks of the owner with the co-worker on each: half due 8 Jan, half 40 hours earlier."""
    base = local(2027, 1, 8, 17, 0).astimezone(dt.UTC)
    db.session.execute(insert(Task), [
        {"meeting_id": cast.meeting, "group_id": cast.group, "owner_id": cast.owner,
         "title": f"任务{n}", "due_at": base - dt.timedelta(hours=n % 3 if overdue_only else 40 * (n % 2) - n % 3),
         "status": TaskStatus.IN_PROGRESS, "created_at": local(2027, 1, 1, 9, 0), "updated_at": local(2027, 1, 1, 9, 0),
         "progress": 0, "version_id": 1, "description": "", "completion_note": "", "status_note": "",
         "phase": "before", "priority": "normal"}
        for n in range(count)])
    task_ids = db.session.scalars(select(Task.id)).all()
    db.session.execute(insert(TaskCoworker),
                       [{"task_id": task_id, "user_id": cast.coworker} for task_id in task_ids])
    db.session.commit()


def test_a_long_list_is_spelled_out_up_to_a_limit(app, cast, clock):
    clock(2027, 1, 1, 9, 0)
    _build_many(cast, LISTED_ITEMS + 5, overdue_only=True)
    clock(2027, 1, 8, 17, 30)
    created = scan()
    owner_message = next(n for n in created if n.recipient_id == cast.owner)
    assert f"{LISTED_ITEMS + 5}项" in owner_message.subject
    assert owner_message.body.count("/tasks/") == LISTED_ITEMS
    assert "……另有 5 项，请登录查看。" in owner_message.body


@pytest.mark.parametrize("moment", [(2027, 1, 7, 17, 30), (2027, 1, 12, 18, 0)], ids=["due", "overdue"])
def test_scan_query_count_does_not_grow_with_tasks(app, cast, clock, count_queries, moment):
    counts = []
    for size in (10, 500):
        for model in (ReminderLog, Notification, TaskCoworker, Task):
            db.session.execute(delete(model))
        db.session.commit()
        _build_many(cast, size)
        clock(*moment)
        with count_queries() as counter:
            result = scan_reminders()
            db.session.commit()
        assert result.items >= size  # every task produced at least one reminder
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_scan_over_5000_tasks_is_bounded(app, cast, clock, count_queries):
    """5000 open tasks, each with a co-worker, all overdue ≥ 3 days (≈ 15 000 reminders): a bounded number of
    statements, and a second scan finds nothing new. (Its time is measured by the bench, not asserted here.)"""
    _build_many(cast, 5000, overdue_only=True)
    clock(2027, 1, 12, 18, 0)
    with count_queries() as counter:
        result = scan_reminders()
        db.session.commit()
    assert result.items == 15000 and result.messages == 3  # owner, lead, secretariat: one message each
    bound = len(RULES) + 11  # one collecting query a rule, then a fixed few to log, group and deliver
    assert counter.count <= bound, counter.statements
    with count_queries() as again:
        assert scan_reminders().items == 0
    assert again.count <= bound, again.statements
