"""督办 reminders under a controlled clock: the leader following the task is reminded with its owner."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.instructions import services
from meetingprep.instructions.models import Instruction, InstructionReceipt
from meetingprep.notifications.models import Notification, ReminderLog
from meetingprep.notifications.scan import scan_reminders
from meetingprep.tasks.models import Task
from tests.notifications.conftest import build_task, local


def scan() -> list[Notification]:
    before = db.session.scalar(select(func.max(Notification.id))) or 0
    scan_reminders()
    db.session.commit()
    db.session.remove()
    return list(db.session.scalars(select(Notification).where(Notification.id > before).order_by(Notification.id)))


def test_the_leader_of_a_supervised_task_is_reminded_before_the_deadline_and_daily_when_overdue(app, cast, clock):
    clock(2027, 1, 1, 10, 0)
    followed = build_task(cast, local(2027, 1, 8, 17, 0), title="会场彩排")
    build_task(cast, local(2027, 1, 8, 17, 0), title="未督办的任务")
    services.supervise(db.session.get(User, cast.secretary), db.session.get(Task, followed), leader_id=cast.leader)
    db.session.commit()
    scan()  # nothing due yet (the 督办 message itself is not a reminder)

    clock(2027, 1, 5, 17, 0)  # 3 days before: owner (both tasks, grouped) and the leader (the followed one)
    created = scan()
    to_leader = [n for n in created if n.recipient_id == cast.leader]
    assert [n.kind for n in to_leader] == ["supervision.due"]
    assert "会场彩排" in to_leader[0].subject and "您督办的任务" in to_leader[0].body
    assert {n.recipient_id for n in created} == {cast.owner, cast.leader}
    assert scan() == []

    clock(2027, 1, 9, 17, 30)  # overdue by a day
    to_leader = [n for n in scan() if n.recipient_id == cast.leader]
    assert [n.kind for n in to_leader] == ["supervision.overdue"] and "已逾期" in to_leader[0].subject
    clock(2027, 1, 10, 17, 30)
    assert [n.kind for n in scan() if n.recipient_id == cast.leader] == ["supervision.overdue"]

    services.unsupervise(db.session.get(User, cast.secretary), db.session.get(Task, followed))
    db.session.commit()
    clock(2027, 1, 11, 17, 30)
    assert [n for n in scan() if n.recipient_id == cast.leader] == []


def test_an_inactive_leader_is_not_reminded(app, cast, clock):
    clock(2027, 1, 1, 10, 0)
    followed = build_task(cast, local(2027, 1, 3, 17, 0))
    services.supervise(db.session.get(User, cast.secretary), db.session.get(Task, followed), leader_id=cast.leader)
    db.session.get(User, cast.leader).is_active_account = False
    db.session.commit()
    clock(2027, 1, 4, 17, 30)
    assert [n for n in scan() if n.recipient_id == cast.leader] == []


def test_a_pishi_not_acknowledged_in_time_reminds_each_addressee_who_has_not_read_it_once(app, cast, clock):
    """批示 must be acknowledged: 24 hours (INSTRUCTION_ACK_REMINDER_HOURS) after it was written, each addressee
    still without 已阅 is reminded — once, however many scans follow; who acknowledged or reported is not."""
    clock(2027, 1, 4, 9, 0)
    task = db.session.get(Task, build_task(cast, local(2027, 1, 8, 17, 0), title="会场彩排"))
    instruction = services.write_instruction(db.session.get(User, cast.leader), task, "请抓紧落实，确保万无一失。")
    db.session.commit()
    instruction_id = instruction.id
    assert set(db.session.scalars(select(InstructionReceipt.user_id).where(
        InstructionReceipt.instruction_id == instruction_id))) == {cast.owner, cast.lead}

    clock(2027, 1, 5, 8, 59)  # not yet 24 hours
    assert [n for n in scan() if n.kind == "instruction.unacknowledged"] == []

    clock(2027, 1, 5, 9, 5)
    reminded = [n for n in scan() if n.kind == "instruction.unacknowledged"]
    assert sorted(n.recipient_id for n in reminded) == sorted([cast.owner, cast.lead])
    assert "陈主席对任务「会场彩排」的批示尚未签阅" in reminded[0].subject
    assert "请抓紧落实" in reminded[0].body and reminded[0].link.endswith(f"#instruction-{instruction_id}")
    clock(2027, 1, 6, 9, 5)
    later = scan()  # (the task's own "due soon" reminder to its owner comes now: not this rule's)
    assert not any("尚未签阅" in n.subject + n.body for n in later)  # once: claimed in ReminderLog
    assert db.session.scalar(select(func.count()).select_from(ReminderLog).where(
        ReminderLog.rule == "instruction.unacknowledged")) == 2


def test_who_acknowledged_is_not_chased_and_the_window_is_a_setting(app, cast, clock):
    app.config["INSTRUCTION_ACK_REMINDER_HOURS"] = 2
    clock(2027, 1, 4, 9, 0)
    task_id = build_task(cast, local(2027, 1, 8, 17, 0), title="会场彩排")
    instruction_id = services.write_instruction(db.session.get(User, cast.leader), db.session.get(Task, task_id),
                                                "请抓紧落实。").id
    db.session.commit()
    clock(2027, 1, 4, 10, 0)
    instruction = db.session.scalar(select(Instruction).where(Instruction.id == instruction_id)
                                    .options(selectinload(Instruction.receipts)))
    services.acknowledge(db.session.get(User, cast.owner), instruction, db.session.get(Task, task_id))
    db.session.commit()
    clock(2027, 1, 4, 11, 1)
    assert [n.recipient_id for n in scan() if "尚未签阅" in n.subject] == [cast.lead]

    app.config["INSTRUCTION_ACK_REMINDER_HOURS"] = 0  # off
    clock(2027, 1, 4, 12, 0)
    services.write_instruction(db.session.get(User, cast.leader), db.session.get(Task, task_id), "再次批示。")
    db.session.commit()
    clock(2027, 1, 9, 12, 0)
    assert not any("尚未签阅" in n.subject + n.body for n in scan())
