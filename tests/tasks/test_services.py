from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from meetingprep import audit, signals, timeutil
from meetingprep.audit import AuditEntry
from meetingprep.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from meetingprep.permissions import can
from meetingprep.tasks import queries, services
from meetingprep.tasks.models import Task, TaskEvent
from meetingprep.tasks.services import TaskData
from meetingprep.tasks.states import TRANSITIONS, TaskAction, TaskStatus
from tests import factories

S = TaskStatus


def data(world, **changes) -> TaskData:
    values = {"title": "起草常委会工作报告", "group_id": world.materials.id, "owner_id": world.staff.id,
              "due_offset_days": -7, "due_offset_time": dt.time(17, 0)}
    values.update(changes)
    return TaskData(**values)


def fresh(task_id: int) -> Task:
    db.session.expire_all()
    return queries.task_for_update(task_id)


def notified(user, kind: str) -> list[Notification]:
    return db.session.scalars(select(Notification).where(Notification.recipient_id == user.id,
                                                         Notification.kind == kind)).all()


# ── creating and assigning ──────────────────────────────────────────────────────────────────────
def test_secretariat_creates_task_with_relative_deadline_and_owner_is_told(world):
    task = services.create_task(world.secretariat, world.meeting, data(world))
    db.session.commit()
    opening = timeutil.to_local(world.meeting.opens_at)
    due = timeutil.to_local(task.due_at)
    assert due.date() == opening.date() - dt.timedelta(days=7)
    assert (due.hour, due.minute) == (17, 0)
    assert task.relative_due_label == "开幕前 7 天 17:00"
    assert len(notified(world.staff, "task.assigned")) == 1
    assert db.session.scalar(select(TaskEvent.action).where(TaskEvent.task_id == task.id)) == "create"
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "Task",
                                                             AuditEntry.object_id == task.id)) == "create"


def test_group_lead_may_assign_only_within_own_group(world):
    services.create_task(world.lead, world.meeting, data(world))
    with pytest.raises(NotAllowed, match="会务组"):
        services.create_task(world.lead, world.meeting, data(world, group_id=world.affairs.id,
                                                             owner_id=world.affairs_staff.id))


def test_owner_must_belong_to_the_responsible_group(world):
    with pytest.raises(ValidationFailed, match="材料组"):
        services.create_task(world.secretariat, world.meeting, data(world, owner_id=world.affairs_staff.id))


def test_staff_cannot_create(world):
    with pytest.raises(NotAllowed):
        services.create_task(world.staff, world.meeting, data(world))


def test_stale_version_is_a_conflict(world):
    task = services.create_task(world.secretariat, world.meeting, data(world))
    db.session.commit()
    task = fresh(task.id)
    old_version = task.version_id
    services.update_task(world.secretariat, task, data(world, title="第一次修改"), old_version)
    db.session.commit()
    task = fresh(task.id)
    with pytest.raises(Conflict):
        services.update_task(world.lead, task, data(world, title="第二次修改"), old_version)
    assert fresh(task.id).title == "第一次修改"


def test_coworkers_set_and_replaced(world):
    task = services.create_task(world.secretariat, world.meeting, data(world, coworker_ids=[world.affairs_staff.id]))
    db.session.commit()
    task = fresh(task.id)
    assert task.coworker_user_ids == {world.affairs_staff.id}
    services.update_task(world.secretariat, task, data(world, coworker_ids=[world.staff2.id, world.staff.id]),
                         task.version_id)
    db.session.commit()
    assert fresh(task.id).coworker_user_ids == {world.staff2.id}  # the owner is never their own co-worker


def test_member_cannot_be_coworker(world):
    with pytest.raises(ValidationFailed):
        services.create_task(world.secretariat, world.meeting, data(world, coworker_ids=[world.member.id]))


# ── the state machine ───────────────────────────────────────────────────────────────────────────
def run(world, task, who, action, note="", **kw):
    services.transition(getattr(world, who), task, action, note=note, **kw)
    db.session.commit()
    return fresh(task.id)


def test_full_cycle_with_return_and_history(world):
    task = services.create_task(world.secretariat, world.meeting, data(world))
    db.session.commit()
    task = run(world, task, "staff", "start")
    assert task.status == S.IN_PROGRESS
    task = run(world, task, "staff", "submit", "初稿已完成")
    assert task.status == S.SUBMITTED and task.submitted_by_id == world.staff.id
    assert len(notified(world.lead, "task.submitted")) == 1
    assert len(notified(world.secretariat, "task.submitted")) == 1
    task = run(world, task, "lead", "return", "数据需核实")
    assert task.status == S.RETURNED and task.status_note == "数据需核实"
    assert len(notified(world.staff, "task.returned")) == 1
    task = run(world, task, "staff", "submit", "已核实修改")
    task = run(world, task, "secretariat", "accept")
    assert task.status == S.DONE and task.progress == 100 and task.accepted_by_id == world.secretariat.id
    assert len(notified(world.staff, "task.accepted")) == 1
    events = db.session.execute(select(TaskEvent.action, TaskEvent.actor_id, TaskEvent.note)
                                .where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)).all()
    assert [e.action for e in events] == ["create", "start", "submit", "return", "submit", "accept"]
    assert events[3].actor_id == world.lead.id and events[3].note == "数据需核实"
    audited = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "Task",
                                                                 AuditEntry.object_id == task.id)).all()
    assert {"开始办理", "提交验收", "退回", "验收通过"} <= set(audited)


@pytest.mark.parametrize("action", list(TaskAction))
def test_every_action_refused_from_every_wrong_state(world, action):
    step = TRANSITIONS[action]
    for status in set(S) - step.sources:
        task = factories.make_group_task(world.materials, world.staff, status=status)
        with pytest.raises(InvalidTransition, match=status.label):
            services.transition(world.secretariat if action in ("cancel", "reopen", "accept", "return")
                                else world.staff, task, action, note="理由")


ALLOWED = {
    # action: (source status, who may, who may not)
    "start": (S.NOT_STARTED, ["staff"], ["lead", "secretariat", "staff2", "leader", "affairs_lead"]),
    "submit": (S.IN_PROGRESS, ["staff", "secretariat"], ["lead", "staff2", "leader", "affairs_lead"]),
    "accept": (S.SUBMITTED, ["lead", "secretariat"], ["staff2", "affairs_lead", "leader"]),
    "return": (S.SUBMITTED, ["lead", "secretariat"], ["staff2", "affairs_lead", "leader"]),
    "resume": (S.RETURNED, ["staff"], ["lead", "secretariat", "leader"]),
    "cancel": (S.IN_PROGRESS, ["secretariat"], ["lead", "staff", "leader"]),
    "reopen": (S.CANCELLED, ["secretariat"], ["lead", "staff", "leader"]),
}


@pytest.mark.parametrize("action", list(ALLOWED))
def test_who_may_take_each_action(world, action):
    source, allowed, refused = ALLOWED[action]
    for who in refused:
        task = factories.make_group_task(world.materials, world.staff, status=source, submitted_by_id=world.staff.id)
        with pytest.raises(NotAllowed):
            services.transition(getattr(world, who), task, action, note="说明")
        assert task.status == source
    for who in allowed:
        task = factories.make_group_task(world.materials, world.staff, status=source, submitted_by_id=world.staff.id)
        services.transition(getattr(world, who), task, action, note="说明")
        assert task.status == TRANSITIONS[TaskAction(action)].target


def test_submitter_can_never_accept_own_submission(world):
    task = factories.make_group_task(world.materials, world.lead, status=S.IN_PROGRESS)
    task = run(world, task, "lead", "submit", "完成")
    with pytest.raises(NotAllowed, match="不能验收自己提交"):
        services.transition(world.lead, task, "accept")
    task = factories.make_group_task(world.materials, world.staff, status=S.IN_PROGRESS)
    task = run(world, task, "secretariat", "submit", "代为提交")
    with pytest.raises(NotAllowed, match="不能验收自己提交"):
        services.transition(world.secretariat, task, "accept")
    services.transition(world.secretariat2, task, "accept")
    assert task.status == S.DONE


def test_owner_never_accepts_own_task_even_when_someone_else_submitted_it(world, client, login):
    """The secretariat submits a group lead's own task on their behalf: the lead still may not accept it."""
    task = factories.make_group_task(world.materials, world.lead, status=S.IN_PROGRESS)
    task = run(world, task, "secretariat", "submit", "电话报告已完成，代为提交")
    assert not can(world.lead, "task.accept", task)
    with pytest.raises(NotAllowed, match="不能验收自己的任务"):
        services.transition(world.lead, task, "accept")
    db.session.rollback()
    login(world.lead)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f"/tasks/{task.id}/transition/accept" not in page and f"/tasks/{task.id}/transition/return" in page
    assert client.post(f"/tasks/{task.id}/transition/accept", data={"note": "好"}).status_code == 403
    services.transition(world.secretariat2, task, "accept")
    assert task.status == S.DONE


@pytest.mark.parametrize(("action", "source", "who"), [("submit", S.IN_PROGRESS, "staff"),
                                                       ("return", S.SUBMITTED, "lead"),
                                                       ("cancel", S.IN_PROGRESS, "secretariat"),
                                                       ("reopen", S.CANCELLED, "secretariat")])
def test_reasons_required(world, action, source, who):
    task = factories.make_group_task(world.materials, world.staff, status=source, submitted_by_id=world.staff.id)
    with pytest.raises(ValidationFailed, match="请填写"):
        services.transition(getattr(world, who), task, action, note="  ")
    assert task.status == source


def test_unknown_action_is_refused(world):
    task = factories.make_group_task(world.materials, world.staff)
    with pytest.raises(Exception, match="没有这种任务操作"):
        services.transition(world.staff, task, "explode")


def test_overdue_is_derived_not_stored(world, time_machine):
    task = factories.make_group_task(world.materials, world.staff, due_in_days=1)
    db.session.commit()
    assert not task.is_overdue
    time_machine.move_to(timeutil.now() + dt.timedelta(days=2))
    assert task.is_overdue
    filt = queries.LedgerFilter(overdue=True)
    assert [t.id for t, _ in db.session.execute(queries.ledger_statement(world.meeting.id, filt))] == [task.id]
    task.status = S.DONE
    assert not task.is_overdue
    assert "overdue" not in {c.key for c in Task.__table__.columns}


# ── hand-offs ───────────────────────────────────────────────────────────────────────────────────
def test_cycle_refused_naming_the_cycle(world):
    a = factories.make_group_task(world.materials, world.staff, title="定稿常委会工作报告")
    b = factories.make_group_task(world.affairs, world.affairs_staff, title="印制工作报告")
    c = factories.make_group_task(world.affairs, world.affairs_staff, title="分发工作报告")
    services.add_hand_off(world.secretariat, a, b)
    services.add_hand_off(world.secretariat, b, c)
    with pytest.raises(ValidationFailed) as caught:
        services.add_hand_off(world.secretariat, c, a)
    assert "形成循环：定稿常委会工作报告 → 印制工作报告 → 分发工作报告 → 定稿常委会工作报告" in caught.value.message
    with pytest.raises(ValidationFailed, match="已经是"):
        services.add_hand_off(world.secretariat, a, b)


def test_a_hand_off_needs_a_lead_of_either_side(world):
    a = factories.make_group_task(world.materials, world.staff)
    b = factories.make_group_task(world.affairs, world.affairs_staff)
    with pytest.raises(NotAllowed):
        services.add_hand_off(world.staff, a, b)
    services.add_hand_off(world.affairs_lead, a, b)  # across groups is fine


def test_waiting_successor_cannot_be_submitted_until_predecessor_accepted(world):
    a = factories.make_group_task(world.materials, world.staff, title="定稿报告", status=S.SUBMITTED,
                            submitted_by_id=world.staff.id)
    b = factories.make_group_task(world.affairs, world.affairs_staff, title="印制报告", status=S.IN_PROGRESS)
    services.add_hand_off(world.secretariat, a, b)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="等待前置任务：「定稿报告」"):
        services.transition(world.affairs_staff, b, "submit", note="印好了")
    with pytest.raises(NotAllowed):
        services.transition(world.affairs_staff, b, "submit", note="印好了", override_reason="领导要求")
    run(world, a, "lead", "accept")
    notes = notified(world.affairs_staff, "task.predecessor_done")
    assert len(notes) == 1 and "定稿报告" in notes[0].subject
    b = fresh(b.id)
    services.transition(world.affairs_staff, b, "submit", note="印好了")
    assert b.status == S.SUBMITTED


def test_secretariat_overrides_waiting_with_reason_audited(world):
    a = factories.make_group_task(world.materials, world.staff, title="定稿报告")
    b = factories.make_group_task(world.affairs, world.affairs_staff, title="印制报告", status=S.IN_PROGRESS)
    factories.make_hand_off(a, b)
    with pytest.raises(InvalidTransition):
        services.transition(world.secretariat, b, "submit", note="先印样稿")
    services.transition(world.secretariat, b, "submit", note="先印样稿", override_reason="时间紧，先印样稿")
    assert b.status == S.SUBMITTED
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "放行前置任务"))
    assert entry.object_id == b.id and "时间紧" in entry.message


def test_cancelled_predecessor_no_longer_blocks(world):
    a = factories.make_group_task(world.materials, world.staff, status=S.CANCELLED)
    b = factories.make_group_task(world.affairs, world.affairs_staff, status=S.IN_PROGRESS)
    factories.make_hand_off(a, b)
    services.transition(world.affairs_staff, b, "submit", note="完成")
    assert b.status == S.SUBMITTED


# ── deadlines follow the opening ────────────────────────────────────────────────────────────────
def test_relative_deadline_moves_when_meeting_reschedules(world):
    relative = services.create_task(world.secretariat, world.meeting, data(world))
    fixed_due = timeutil.now() + dt.timedelta(days=3)
    fixed = services.create_task(world.secretariat, world.meeting,
                                 data(world, due_offset_days=None, due_at=fixed_due, title="固定节点"))
    db.session.commit()
    old_due, old_opening = relative.due_at, world.meeting.opens_at
    world.meeting.opens_at = old_opening + dt.timedelta(days=3)
    world.meeting.closes_at += dt.timedelta(days=3)
    with audit.acting_as(world.secretariat):
        signals.meeting_rescheduled.send(world.meeting, actor=world.secretariat, old_opens_at=old_opening)
    db.session.commit()
    assert fresh(relative.id).due_at == old_due + dt.timedelta(days=3)
    assert fresh(fixed.id).due_at == fixed_due
    summary = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "任务节点随开幕调整"))
    assert summary.meeting_id == world.meeting.id and "1 项" in summary.message
    change = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "Task",
                                                        AuditEntry.object_id == relative.id,
                                                        AuditEntry.action == "update"))
    assert "due_at" in change.changes and change.actor_id == world.secretariat.id


# ── feedback ────────────────────────────────────────────────────────────────────────────────────
def test_comment_mentions_notify_by_username_and_name(world):
    task = factories.make_group_task(world.materials, world.staff)
    task = fresh(task.id)
    services.add_comment(world.staff, task, "请 @huiwu_lead 和 @王五 确认印数，@委员 不会收到")
    db.session.commit()
    assert len(notified(world.affairs_lead, "task.mention")) == 1
    assert len(notified(world.affairs_staff, "task.mention")) == 1
    assert not notified(world.member, "task.mention")


def test_only_people_on_the_task_comment(world):
    task = fresh(factories.make_group_task(world.materials, world.staff).id)
    with pytest.raises(NotAllowed):
        services.add_comment(world.affairs_staff, task, "路过")
    with pytest.raises(NotAllowed):
        services.add_comment(world.leader, task, "看看")
    with pytest.raises(ValidationFailed):
        services.add_comment(world.staff, task, "   ")


def test_progress_by_owner_and_coworker_only(world):
    task = factories.make_group_task(world.materials, world.staff)
    task = fresh(task.id)
    services.update_progress(world.staff, task, 40)
    with pytest.raises(NotAllowed):
        services.update_progress(world.affairs_staff, task, 50)
    with pytest.raises(ValidationFailed):
        services.update_progress(world.staff, task, 120)
    assert task.progress == 40


# ── bulk edit ───────────────────────────────────────────────────────────────────────────────────
def test_bulk_edit_reports_refusals_and_keeps_the_rest(world):
    mine = factories.make_group_task(world.materials, world.staff)
    theirs = factories.make_group_task(world.affairs, world.affairs_staff)
    done = factories.make_group_task(world.materials, world.staff, status=S.DONE)
    db.session.commit()
    before = mine.due_at
    result = services.bulk_edit(world.lead, [mine.id, theirs.id, done.id], "shift", shift_days=2, reason="顺延")
    db.session.commit()
    assert [t.id for t in result.changed] == [mine.id]
    assert {t.id for t, _m in result.refused} == {theirs.id, done.id}
    assert fresh(mine.id).due_at == before + dt.timedelta(days=2)
    result = services.bulk_edit(world.secretariat, [mine.id, theirs.id], "cancel", reason="合并到其他任务")
    db.session.commit()
    assert {t.status for t in result.changed} == {S.CANCELLED}
    with pytest.raises(ValidationFailed):
        services.bulk_edit(world.secretariat, [mine.id], "cancel")


def test_coworker_from_another_group_updates_progress_and_comments(world):
    task = services.create_task(world.secretariat, world.meeting, data(world, coworker_ids=[world.affairs_staff.id]))
    db.session.commit()
    task = fresh(task.id)
    services.update_progress(world.affairs_staff, task, 60)
    services.add_comment(world.affairs_staff, task, "印刷厂已排期")
    with pytest.raises(NotAllowed, match="责任人"):
        services.transition(world.affairs_staff, task, "start")  # one person answers for the task
    assert task.progress == 60


@pytest.mark.parametrize("status", [TaskStatus.DONE, TaskStatus.CANCELLED])
def test_progress_on_a_closed_task_is_refused_in_plain_words(world, status):
    """Not 「任务已已完成」: the status label already says 已."""
    task = factories.make_group_task(world.materials, world.staff, status=status)
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        services.update_progress(world.lead, task, 50)
    assert refused.value.message == f"任务当前为「{status.label}」，不能再修改进度。"
    assert "已已" not in refused.value.message
