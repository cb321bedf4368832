"""Task rules: creating and assigning, the status machine, hand-offs, feedback and files.

Every function takes the acting user first, checks the permission rule itself (so the CLI, the
bulk editor and the views share one gate), writes the audit trail and flushes — never commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from meetingprep import audit, bounds, signals, timeutil
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.errors import DomainError, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting, Phase
from meetingprep.notifications.services import notify
from meetingprep.permissions import Role, can, require
from meetingprep.tasks.links import task_path
from meetingprep.tasks.models import (
    HandOff,
    Task,
    TaskAttachment,
    TaskComment,
    TaskCoworker,
    TaskEvent,
    TaskPriority,
)
from meetingprep.tasks.states import TRANSITIONS, TaskAction
from meetingprep.uploads import save_upload

ATTACHMENT_KINDS = {"docx", "xlsx", "pdf", "txt", "md", "png", "jpg"}
MAX_ATTACHMENTS = 10
MENTION = re.compile(r"@([\w.\-\u4e00-\u9fff]{1,64})")


def task_link(task: Task) -> str:
    """What a notification about the task links to (tasks.links: stored, so the path in the app)."""
    return task_path(task.id)


# ── deadlines ───────────────────────────────────────────────────────────────────────────────────
def relative_due_at(opens_at: dt.datetime, offset_days: int, offset_time: dt.time) -> dt.datetime:
    """开幕前 7 天 17:00: the opening's local date shifted by days, at the local wall-clock time."""
    opening_day = timeutil.to_local(opens_at).date()
    local = dt.datetime.combine(opening_day + dt.timedelta(days=offset_days), offset_time)
    return timeutil.from_local(local)


@dataclass
class TaskData:
    """What the new/edit form (or an import) says about a task. ``due_at`` is aware UTC when absolute;
    with ``due_offset_days`` set the deadline is relative to the opening and ``due_at`` is derived."""

    title: str
    group_id: int
    owner_id: int
    due_at: dt.datetime | None = None
    due_offset_days: int | None = None
    due_offset_time: dt.time | None = None
    description: str = ""
    phase: Phase = Phase.BEFORE
    priority: TaskPriority = TaskPriority.NORMAL
    starts_on: dt.date | None = None
    coworker_ids: Sequence[int] = field(default_factory=tuple)


def _resolve_deadline(meeting: Meeting, data: TaskData) -> dt.datetime:
    if data.due_offset_days is not None:
        return relative_due_at(meeting.opens_at, data.due_offset_days, data.due_offset_time or dt.time(17, 0))
    if data.due_at is None:
        raise ValidationFailed("请填写时间节点。")
    return data.due_at


def _check_assignment(actor: User, meeting: Meeting, data: TaskData) -> WorkingGroup:
    group = db.session.get(WorkingGroup, data.group_id)
    if group is None or group.meeting_id != meeting.id:
        raise ValidationFailed("所选责任组不属于本次会议。")
    if not can(actor, "task.create", group):
        raise NotAllowed(f"您只能为自己担任组长的工作组安排任务，不能安排给「{group.name}」。")
    is_member = db.session.scalar(select(GroupMembership.id).where(
        GroupMembership.group_id == group.id, GroupMembership.user_id == data.owner_id))
    if not is_member:
        raise ValidationFailed(f"责任人必须是「{group.name}」的成员。")
    if data.starts_on and data.due_offset_days is None and data.due_at \
            and data.starts_on > timeutil.to_local(data.due_at).date():
        raise ValidationFailed("开始日期不能晚于时间节点。")
    return group


def _set_coworkers(task: Task, user_ids: Iterable[int]) -> None:
    wanted = {uid for uid in user_ids if uid != task.owner_id}
    if wanted:
        found = set(db.session.scalars(select(User.id).where(
            User.id.in_(wanted), User.is_active_account.is_(True), User.role != Role.MEMBER)))
        if found != wanted:
            raise ValidationFailed("协办人中有不存在或无法参与任务的账号。")
    current = {link.user_id: link for link in task.coworkers}
    for user_id, link in current.items():
        if user_id not in wanted:
            task.coworkers.remove(link)
    for user_id in sorted(wanted - set(current)):
        task.coworkers.append(TaskCoworker(user_id=user_id, meeting_id=task.meeting_id))


def _refuse_past_deadline(due_at: dt.datetime) -> None:
    """A deadline already gone is a typing slip (2020 for 2027): the task would be born 逾期 by years."""
    if due_at < timeutil.now():
        raise ValidationFailed(f"时间节点 {timeutil.format_datetime(due_at)} 已经过去，请检查日期（年份）。"
                               "新定的时间节点应在现在之后。")


def create_task(actor: User, meeting: Meeting, data: TaskData) -> Task:
    _check_assignment(actor, meeting, data)
    due_at = _resolve_deadline(meeting, data)
    _refuse_past_deadline(due_at)
    task = Task(meeting_id=meeting.id, group_id=data.group_id, owner_id=data.owner_id, title=data.title,
                description=data.description, phase=data.phase, priority=data.priority,
                starts_on=data.starts_on, due_at=due_at,
                due_offset_days=data.due_offset_days,
                due_offset_time=(data.due_offset_time or dt.time(17, 0)) if data.due_offset_days is not None
                else None,
                created_by_id=actor.id, coworkers=[])
    _set_coworkers(task, data.coworker_ids)
    db.session.add(task)
    db.session.flush()
    db.session.add(TaskEvent(task_id=task.id, actor_id=actor.id, action="create", from_status=task.status,
                             to_status=task.status, note="", at=timeutil.now()))
    _notify_owner_assigned(task, actor)
    db.session.flush()
    return task


def update_task(actor: User, task: Task, data: TaskData, version_id: int | str | None) -> Task:
    """Edit fields and assignment. ``task.coworkers`` must be loaded (the edit view loads it)."""
    require(actor, "task.edit", task)
    expect_version(task, version_id, "该任务")
    meeting = db.session.get(Meeting, task.meeting_id)
    _check_assignment(actor, meeting, data)
    old_owner = task.owner_id
    task.title, task.description = data.title, data.description
    task.group_id, task.owner_id = data.group_id, data.owner_id
    task.phase, task.priority, task.starts_on = data.phase, data.priority, data.starts_on
    due_at = _resolve_deadline(meeting, data)
    if due_at != task.due_at:
        _refuse_past_deadline(due_at)  # an unchanged deadline may have passed: the task is simply overdue
    task.due_at = due_at
    task.due_offset_days = data.due_offset_days
    task.due_offset_time = (data.due_offset_time or dt.time(17, 0)) if data.due_offset_days is not None else None
    _set_coworkers(task, data.coworker_ids)
    db.session.flush()
    if task.owner_id != old_owner:
        _notify_owner_assigned(task, actor)
    return task


def _notify_owner_assigned(task: Task, actor: User) -> None:
    if task.owner_id != actor.id:
        notify([task.owner_id], kind="task.assigned", subject=f"新任务：{task.title}",
               body=f"截止 {timeutil.format_datetime(task.due_at)}", link=task_link(task),
               dedup_key=f"task.assigned:{task.id}:{task.owner_id}:{task.version_id}", meeting_id=task.meeting_id)


def update_progress(actor: User, task: Task, progress: int, version_id: int | str | None = None) -> Task:
    require(actor, "task.progress", task)
    if version_id is not None:
        expect_version(task, version_id, "该任务")
    if not task.is_open:
        raise InvalidTransition(f"任务当前为「{task.status.label}」，不能再修改进度。")
    if not 0 <= progress <= 100:
        raise ValidationFailed("进度应在 0 到 100 之间。")
    task.progress = progress
    db.session.flush()
    return task


# ── the state machine ───────────────────────────────────────────────────────────────────────────
def unfinished_predecessors(task: Task) -> list[Task]:
    """Predecessors not yet accepted (cancelled ones no longer hold anything up)."""
    return list(db.session.scalars(
        select(Task).join(HandOff, HandOff.predecessor_id == Task.id)
        .where(HandOff.successor_id == task.id, Task.is_open).order_by(Task.due_at)))


def _refusal(actor: User, task: Task, action: TaskAction) -> str:
    if action in (TaskAction.ACCEPT, TaskAction.RETURN) and task.submitted_by_id == actor.id:
        return "您不能验收自己提交的任务，请由组长或秘书处其他同志验收。"
    if action == TaskAction.ACCEPT and task.owner_id == actor.id:
        return "您是这项任务的责任人，不能验收自己的任务，请由组长或秘书处其他同志验收。"
    if action in (TaskAction.START, TaskAction.SUBMIT, TaskAction.RESUME):
        return "只有任务的责任人才能办理和提交这项任务。"
    if action in (TaskAction.ACCEPT, TaskAction.RETURN):
        return "只有该组组长或大会秘书处可以验收或退回这项任务。"
    return f"只有大会秘书处可以{action.label}。"


def transition(actor: User, task: Task, action: TaskAction | str, note: str = "", override_reason: str = "",
               evidence: Sequence[FileStorage] = ()) -> Task:
    """Apply one step of the TRANSITIONS table: check, move, record the event, audit, notify."""
    try:
        action = TaskAction(action)
    except ValueError as error:
        raise NotFound("没有这种任务操作。") from error
    step = TRANSITIONS[action]
    note, override_reason = (note or "").strip(), (override_reason or "").strip()
    if task.status not in step.sources:
        raise InvalidTransition(f"任务当前状态为「{task.status.label}」，不能{action.label}。")
    if not can(actor, step.permission, task):
        raise NotAllowed(_refusal(actor, task, action))
    if step.needs_note and not note:
        raise ValidationFailed(f"请填写{step.note_label}。")
    if len(note) > 5000 or len(override_reason) > 500:
        raise ValidationFailed("填写的内容过长，请精简后再提交。")
    if step.waits_for_predecessors:
        _check_predecessors(actor, task, override_reason)
    if evidence and not step.takes_evidence:
        raise ValidationFailed("这一步不需要上传附件。")

    source, moment = task.status, timeutil.now()
    task.status = step.target
    if action == TaskAction.SUBMIT:
        task.completion_note, task.submitted_by_id, task.submitted_at = note, actor.id, moment
        task.accepted_by_id = task.accepted_at = None
        _store_attachments(actor, task, evidence, is_evidence=True)
    elif action == TaskAction.ACCEPT:
        task.accepted_by_id, task.accepted_at, task.progress = actor.id, moment, 100
    elif action in (TaskAction.RETURN, TaskAction.CANCEL, TaskAction.REOPEN):
        task.status_note = note
    db.session.add(TaskEvent(task_id=task.id, actor_id=actor.id, action=action.value, from_status=source,
                             to_status=step.target, note=note, at=moment))
    audit.record(db.session, action.label, task, actor=actor,
                 message=f"{source.label} → {step.target.label}" + (f"：{note}" if note else ""))
    db.session.flush()
    _notify_transition(actor, task, action)
    signals.task_transitioned.send(task, actor=actor, action=action)
    return task


def _check_predecessors(actor: User, task: Task, override_reason: str) -> None:
    waiting = unfinished_predecessors(task)
    if not waiting:
        return
    names = "、".join(f"「{t.title}」（{t.status.label}）" for t in waiting)
    if not override_reason:
        raise InvalidTransition(f"等待前置任务：{names} 验收通过后才能提交。如确需提前提交，请联系大会秘书处说明理由。")
    if not can(actor, "task.override_predecessors", task):
        raise NotAllowed("只有大会秘书处可以在前置任务未完成时放行提交。")
    audit.record(db.session, "放行前置任务", task, actor=actor,
                 message=f"前置任务 {names} 未完成；理由：{override_reason}")


def _reviewers(task: Task) -> set[int]:
    """Who must accept a submission: the group's leads and the secretariat."""
    leads = db.session.scalars(select(GroupMembership.user_id).join(User).where(
        GroupMembership.group_id == task.group_id, GroupMembership.is_lead.is_(True),
        User.is_active_account.is_(True)))
    secretariat = db.session.scalars(select(User.id).where(
        User.role == Role.SECRETARIAT, User.is_active_account.is_(True)))
    return set(leads) | set(secretariat)


def _notify_transition(actor: User, task: Task, action: TaskAction) -> None:
    key = f"task.{action.value}:{task.id}:{task.version_id}"
    common = {"link": task_link(task), "dedup_key": key, "meeting_id": task.meeting_id}
    if action == TaskAction.SUBMIT:
        notify(_reviewers(task) - {actor.id}, kind="task.submitted", subject=f"待验收：{task.title}",
               body=task.completion_note[:500], **common)
    elif action == TaskAction.RETURN:
        notify({task.owner_id} - {actor.id}, kind="task.returned", subject=f"任务被退回：{task.title}",
               body=task.status_note[:500], **common)
    elif action == TaskAction.ACCEPT:
        notify({task.owner_id} - {actor.id}, kind="task.accepted", subject=f"任务已验收：{task.title}", **common)
        _notify_successors(task)
    elif action == TaskAction.CANCEL:
        notify({task.owner_id} - {actor.id}, kind="task.cancelled", subject=f"任务已取消：{task.title}",
               body=task.status_note[:500], **common)


def _notify_successors(task: Task) -> None:
    successors = db.session.scalars(
        select(Task).join(HandOff, HandOff.successor_id == Task.id)
        .where(HandOff.predecessor_id == task.id, Task.is_open))
    for successor in successors:
        still_waiting = unfinished_predecessors(successor)
        body = "前置任务已全部完成，可以开展并提交。" if not still_waiting else \
            "仍在等待：" + "、".join(t.title for t in still_waiting)
        notify([successor.owner_id], kind="task.predecessor_done",
               subject=f"前置任务「{task.title}」已验收，可以办理「{successor.title}」", body=body,
               link=task_link(successor), dedup_key=f"task.predecessor_done:{task.id}:{successor.id}:{task.version_id}",
               meeting_id=successor.meeting_id)


# ── hand-offs ───────────────────────────────────────────────────────────────────────────────────
def _find_path(meeting_id: int, start: int, goal: int) -> list[int] | None:
    """Breadth-first over the meeting's hand-offs (one query): the chain start → … → goal, if any."""
    edges: dict[int, list[int]] = {}
    rows = db.session.execute(
        select(HandOff.predecessor_id, HandOff.successor_id)
        .join(Task, Task.id == HandOff.predecessor_id).where(Task.meeting_id == meeting_id))
    for predecessor_id, successor_id in rows:
        edges.setdefault(predecessor_id, []).append(successor_id)
    came_from: dict[int, int | None] = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in edges.get(node, ()):
                if nxt in came_from:
                    continue
                came_from[nxt] = node
                if nxt == goal:
                    path, step = [], nxt
                    while step is not None:
                        path.append(step)
                        step = came_from[step]
                    return path[::-1]
                following.append(nxt)
        frontier = following
    return None


def add_hand_off(actor: User, predecessor: Task, successor: Task) -> HandOff:
    """Successor waits for predecessor (finish-to-start); across groups is fine, a cycle is not."""
    if not (can(actor, "task.hand_off", successor) or can(actor, "task.hand_off", predecessor)):
        raise NotAllowed("只有相关工作组的组长或大会秘书处可以设置任务衔接。")
    if predecessor.meeting_id != successor.meeting_id:
        raise ValidationFailed("只能衔接同一次会议的任务。")
    if predecessor.id == successor.id:
        raise ValidationFailed("任务不能以自己为前置任务。")
    if db.session.scalar(select(HandOff.id).where(HandOff.predecessor_id == predecessor.id,
                                                         HandOff.successor_id == successor.id)):
        raise ValidationFailed(f"「{predecessor.title}」已经是「{successor.title}」的前置任务。")
    path = _find_path(successor.meeting_id, successor.id, predecessor.id)
    if path:
        titles = dict(db.session.execute(select(Task.id, Task.title).where(Task.id.in_(path))).all())
        chain = " → ".join(titles[i] for i in [*path, successor.id])
        raise ValidationFailed(f"不能这样衔接，会形成循环：{chain}")
    hand_off = HandOff(predecessor_id=predecessor.id, successor_id=successor.id)
    db.session.add(hand_off)
    db.session.flush()
    return hand_off


def remove_hand_off(actor: User, hand_off: HandOff) -> None:
    tasks = db.session.scalars(select(Task).where(Task.id.in_([hand_off.predecessor_id, hand_off.successor_id]))).all()
    if not any(can(actor, "task.hand_off", task) for task in tasks):
        raise NotAllowed("只有相关工作组的组长或大会秘书处可以取消任务衔接。")
    db.session.delete(hand_off)
    db.session.flush()


# ── feedback and files ──────────────────────────────────────────────────────────────────────────
def _store_attachments(actor: User, task: Task, files: Sequence[FileStorage], *, is_evidence: bool,
                       comment: TaskComment | None = None) -> list[TaskAttachment]:
    files = [f for f in files if f is not None and f.filename]
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed(f"一次最多上传 {MAX_ATTACHMENTS} 个文件。")
    stored = []
    for file in files:
        saved = save_upload(db.session, file, allowed=ATTACHMENT_KINDS, owner_id=actor.id)
        attachment = TaskAttachment(task_id=task.id, comment=comment, is_evidence=is_evidence,
                                    uploaded_by_id=actor.id, stored_name=saved.stored_name,
                                    original_name=saved.original_name, kind=saved.kind, size=saved.size,
                                    sha256=saved.sha256)
        db.session.add(attachment)
        stored.append(attachment)
    return stored


def resolve_mentions(body: str) -> list[User]:
    """@username or @姓名 → active users who can see tasks (members are never told about tasks)."""
    names = set(MENTION.findall(body))
    if not names:
        return []
    return list(db.session.scalars(select(User).where(
        (User.username.in_(names)) | (User.display_name.in_(names)),
        User.is_active_account.is_(True), User.role != Role.MEMBER)))


def add_comment(actor: User, task: Task, body: str, files: Sequence[FileStorage] = ()) -> TaskComment:
    require(actor, "task.comment", task)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("请填写留言内容。")
    if len(body) > 5000:
        raise ValidationFailed("留言不能超过 5000 字。")
    comment = TaskComment(task_id=task.id, author_id=actor.id, body=body, created_at=timeutil.now(),
                          attachments=[])
    db.session.add(comment)
    db.session.flush()
    _store_attachments(actor, task, files, comment=comment, is_evidence=False)
    mentioned = {user.id for user in resolve_mentions(body)} - {actor.id}
    notify(mentioned, kind="task.mention", subject=f"{actor.display_name} 在「{task.title}」中提到了您",
           body=body[:500], link=task_path(task.id, f"comment-{comment.id}"), dedup_key=f"task.mention:{comment.id}",
           meeting_id=task.meeting_id)
    db.session.flush()
    return comment


# ── bulk edit ───────────────────────────────────────────────────────────────────────────────────
class BulkOp:
    REASSIGN = "reassign"
    SHIFT = "shift"
    PHASE = "phase"
    CANCEL = "cancel"


@dataclass
class BulkResult:
    changed: list[Task] = field(default_factory=list)
    refused: list[tuple[Task, str]] = field(default_factory=list)


def _bulk_apply(actor: User, task: Task, op: str, *, owner_id: int | None, shift_days: int | None,
                phase: Phase | None, reason: str) -> None:
    if op == BulkOp.CANCEL:
        transition(actor, task, TaskAction.CANCEL, note=reason)
        return
    require(actor, "task.edit", task)
    if not task.is_open:
        raise InvalidTransition(f"任务当前为「{task.status.label}」，不再调整。")
    if op == BulkOp.REASSIGN:
        if not db.session.scalar(select(GroupMembership.id).where(
                GroupMembership.group_id == task.group_id, GroupMembership.user_id == owner_id)):
            raise ValidationFailed("新责任人不是该任务责任组的成员。")
        task.owner_id = owner_id
        db.session.flush()
        _notify_owner_assigned(task, actor)
    elif op == BulkOp.SHIFT:
        try:
            moved = task.due_at + dt.timedelta(days=shift_days)
        except OverflowError:  # a deadline written before dates were bounded, at the edge of Python's range
            moved = None
        if moved is None or not bounds.within(moved.date()):
            raise ValidationFailed(f"调整后的时间节点超出范围：{bounds.DATE_MESSAGE}")
        task.due_at = moved
        if task.due_offset_days is not None:
            task.due_offset_days += shift_days
    elif op == BulkOp.PHASE:
        task.phase = phase
    audit.record(db.session, "批量修改", task, actor=actor, message=reason)


def bulk_edit(actor: User, task_ids: Iterable[int], op: str, *, owner_id: int | None = None,
              shift_days: int | None = None, phase: Phase | None = None, reason: str = "") -> BulkResult:
    """Each task on its own savepoint: one refusal never undoes the others, and is reported."""
    if op not in (BulkOp.REASSIGN, BulkOp.SHIFT, BulkOp.PHASE, BulkOp.CANCEL):
        raise ValidationFailed("请选择批量操作。")
    if op == BulkOp.REASSIGN and not owner_id:
        raise ValidationFailed("请选择新的责任人。")
    if op == BulkOp.SHIFT and not shift_days:
        raise ValidationFailed("请填写顺延（正数）或提前（负数）的天数。")
    if op == BulkOp.PHASE and phase is None:
        raise ValidationFailed("请选择阶段。")
    if op == BulkOp.CANCEL and not reason:
        raise ValidationFailed("请填写取消原因。")
    tasks = db.session.scalars(select(Task).where(Task.id.in_(set(task_ids)))
                               .options(selectinload(Task.coworkers)).order_by(Task.due_at)).all()
    if not tasks:
        raise ValidationFailed("请先勾选要修改的任务。")
    result = BulkResult()
    for task in tasks:
        savepoint = db.session.begin_nested()
        try:
            _bulk_apply(actor, task, op, owner_id=owner_id, shift_days=shift_days, phase=phase, reason=reason)
            savepoint.commit()
            result.changed.append(task)
        except DomainError as error:
            savepoint.rollback()
            result.refused.append((task, error.message))
    return result


# ── the opening moves ───────────────────────────────────────────────────────────────────────────
@signals.meeting_rescheduled.connect
def move_relative_deadlines(meeting: Meeting, actor: User | None = None, old_opens_at=None, **_kw) -> int:
    """Deadlines set relative to the opening follow it; each task's change lands in the audit trail."""
    tasks = db.session.scalars(select(Task).where(Task.meeting_id == meeting.id,
                                                  Task.due_offset_days.is_not(None))).all()
    moved = 0
    with audit.acting_as(actor):
        for task in tasks:
            new_due = relative_due_at(meeting.opens_at, task.due_offset_days, task.due_offset_time or dt.time(17, 0))
            if new_due != task.due_at:
                task.due_at = new_due
                moved += 1
        db.session.flush()
    if moved:
        audit.record(db.session, "任务节点随开幕调整", meeting, actor=actor,
                     message=f"开幕时间由 {timeutil.format_datetime(old_opens_at)} 调整为 "
                             f"{timeutil.format_datetime(meeting.opens_at)}，{moved} 项相对节点的任务已随之调整。")
        db.session.flush()
    return moved
