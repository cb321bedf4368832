"""Plan services: create a batch of tasks, save and apply templates, stage and commit imports,
the personal calendar token. They flush, never commit."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import delete, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meetingprep import audit, uploads
from meetingprep.auth.models import User
from meetingprep.errors import Conflict, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.services import notify
from meetingprep.permissions import require
from meetingprep.plans import deadlines, importer, queries
from meetingprep.plans.models import PendingImport, PlanTemplate, PlanTemplateItem
from meetingprep.plans.specs import NewTask
from meetingprep.tasks.links import my_tasks_path, task_path
from meetingprep.tasks.models import HandOff, Task, TaskCoworker
from meetingprep.tasks.services import relative_due_at
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import format_datetime, now

PENDING_IMPORT_LIFETIME = dt.timedelta(hours=24)


def create_tasks(actor: User, meeting: Meeting, specs: Sequence[NewTask], *, how: str) -> list[Task]:
    """The one way plans create tasks: all of them, their co-workers and hand-offs, in the caller's
    transaction. Each row lands in the audit trail under ``actor`` (also from the CLI or a seeder);
    ``how`` says where the batch came from in one extra entry on the meeting."""
    with audit.acting_as(actor):
        tasks = [
            Task(meeting_id=meeting.id, group_id=spec.group_id, owner_id=spec.owner_id, title=spec.title,
                 description=spec.description, phase=spec.phase, priority=spec.priority, starts_on=spec.starts_on,
                 due_at=spec.due_at, due_offset_days=spec.due_offset_days, due_offset_time=spec.due_offset_time,
                 status=TaskStatus.NOT_STARTED, created_by_id=actor.id)
            for spec in specs
        ]
        db.session.add_all(tasks)
        db.session.flush()
        links = []
        for task, spec in zip(tasks, specs, strict=True):
            links += [TaskCoworker(task_id=task.id, user_id=user_id, meeting_id=meeting.id)
                      for user_id in dict.fromkeys(spec.coworker_ids) if user_id != spec.owner_id]
            predecessors = [tasks[index].id for index in spec.predecessors] + list(spec.predecessor_task_ids)
            links += [HandOff(predecessor_id=pid, successor_id=task.id) for pid in dict.fromkeys(predecessors)]
        db.session.add_all(links)
        audit.record(db.session, "create", meeting, actor=actor, message=f"{how}：新建任务 {len(tasks)} 项")
        db.session.flush()
    _tell_owners(actor, meeting, tasks, how)
    return tasks


NOTIFIED_TITLES = 10


def _tell_owners(actor: User, meeting: Meeting, tasks: list[Task], how: str) -> None:
    """One message per owner for the whole batch: 300 imported tasks must not become 300 messages."""
    by_owner: dict[int, list[Task]] = {}
    for task in tasks:
        by_owner.setdefault(task.owner_id, []).append(task)
    for owner_id, owned in by_owner.items():
        if owner_id == actor.id:
            continue
        lines = [f"· {t.title}（截止 {format_datetime(t.due_at)}）" for t in owned[:NOTIFIED_TITLES]]
        if len(owned) > NOTIFIED_TITLES:
            lines.append(f"……等共 {len(owned)} 项")
        notify([owner_id], kind="task.assigned", subject=f"您有 {len(owned)} 项新任务（{how}）",
               body="\n".join(lines), link=task_path(owned[0].id) if len(owned) == 1 else my_tasks_path(),
               dedup_key=f"task.assigned.batch:{owned[0].id}", meeting_id=meeting.id)


# ── templates ──────────────────────────────────────────────────────────────────────────────────
def save_template(actor: User, meeting: Meeting, *, name: str, description: str = "") -> PlanTemplate:
    """Freeze the meeting's plan (cancelled tasks left out) with deadlines relative to its opening."""
    require(actor, "plan.templates")
    if db.session.scalar(select(PlanTemplate.id).where(PlanTemplate.name == name)):
        raise Conflict(f"已有名为「{name}」的模板，请换一个名称，或先删除旧模板。")
    rows = db.session.execute(
        select(Task.id, Task.title, Task.description, WorkingGroup.name, Task.phase, Task.priority, Task.starts_on,
               Task.due_at, Task.due_offset_days, Task.due_offset_time)
        .join(WorkingGroup, WorkingGroup.id == Task.group_id)
        .where(Task.meeting_id == meeting.id, Task.status != TaskStatus.CANCELLED)
        .order_by(Task.due_at, Task.id)
    ).all()
    if not rows:
        raise ValidationFailed("该会议还没有（未取消的）任务，无法保存为模板。")
    key_of = {row.id: key for key, row in enumerate(rows, start=1)}
    predecessors: dict[int, list[int]] = {}
    for pred_id, succ_id in db.session.execute(
            select(HandOff.predecessor_id, HandOff.successor_id)
            .join(Task, Task.id == HandOff.successor_id).where(Task.meeting_id == meeting.id)):
        if pred_id in key_of and succ_id in key_of:
            predecessors.setdefault(key_of[succ_id], []).append(key_of[pred_id])

    template = PlanTemplate(name=name, description=description, source_meeting_id=meeting.id,
                            item_count=len(rows), created_by_id=actor.id)
    try:
        with audit.acting_as(actor), db.session.begin_nested():  # a savepoint: a lost race leaves the rest intact
            db.session.add(template)
    except IntegrityError as error:  # a concurrent save took the name
        raise Conflict(f"已有名为「{name}」的模板，请换一个名称。") from error
    opening = deadlines.opening_date(meeting.opens_at)
    items = []
    for row in rows:
        if row.due_offset_days is not None and row.due_offset_time is not None:
            offset = deadlines.Relative(row.due_offset_days, row.due_offset_time)
        else:
            offset = deadlines.offset_of(meeting.opens_at, row.due_at)
        key = key_of[row.id]
        items.append({
            "template_id": template.id, "key": key, "title": row.title, "description": row.description,
            "group_name": row.name, "phase": row.phase, "priority": row.priority,
            "due_offset_days": offset.days, "due_time": offset.time,
            "start_offset_days": (row.starts_on - opening).days if row.starts_on else None,
            "predecessor_keys": sorted(predecessors.get(key, [])),
        })
    db.session.execute(insert(PlanTemplateItem), items)
    audit.record(db.session, "create", template, actor=actor,
                 message=f"由「{meeting.name}」保存，共 {len(items)} 项任务")
    return template


def delete_template(actor: User, template: PlanTemplate) -> None:
    require(actor, "plan.templates")
    db.session.execute(delete(PlanTemplateItem).where(PlanTemplateItem.template_id == template.id))
    db.session.delete(template)
    with audit.acting_as(actor):
        db.session.flush()


def apply_template(actor: User, template: PlanTemplate, meeting: Meeting, group_map: dict[str, int]) -> list[Task]:
    """Create the meeting's tasks from the template, deadlines = the new opening + each offset.

    Every template group must be mapped to a group of the target meeting (groups are renamed and merged
    from year to year, so the secretariat decides rather than the tool inventing empty groups), and every
    mapped group needs a lead, who owns the new tasks until reassigned.
    """
    require(actor, "plan.templates")
    groups = {g.id: g for g in db.session.scalars(select(WorkingGroup).where(WorkingGroup.meeting_id == meeting.id))}
    names = [name for name, _count in queries.template_group_names(template)]
    unmapped = [name for name in names if group_map.get(name) not in groups]
    if unmapped:
        raise ValidationFailed(f"请为这些模板工作组选择本次会议的对应工作组：{'、'.join(unmapped)}。")
    leads = queries.group_leads({group_map[name] for name in names})
    leaderless = sorted({groups[group_map[name]].name for name in names if group_map[name] not in leads})
    if leaderless:
        raise ValidationFailed(f"工作组 {'、'.join(leaderless)} 还没有组长，任务无人负责。"
                               "请先为这些组指定组长，或把它们的任务对应到其他工作组。")
    items = db.session.scalars(select(PlanTemplateItem).where(PlanTemplateItem.template_id == template.id)
                               .order_by(PlanTemplateItem.key)).all()
    index_of = {item.key: index for index, item in enumerate(items)}
    opening = deadlines.opening_date(meeting.opens_at)
    specs = []
    for item in items:
        group_id = group_map[item.group_name]
        specs.append(NewTask(
            title=item.title, description=item.description, group_id=group_id, owner_id=leads[group_id],
            phase=item.phase, priority=item.priority,
            due_at=relative_due_at(meeting.opens_at, item.due_offset_days, item.due_time),
            due_offset_days=item.due_offset_days, due_offset_time=item.due_time,
            starts_on=opening + dt.timedelta(days=item.start_offset_days)
            if item.start_offset_days is not None else None,
            predecessors=[index_of[key] for key in item.predecessor_keys or () if key in index_of]))
    return create_tasks(actor, meeting, specs, how=f"按模板「{template.name}」生成")


# ── xlsx import: stage, preview, commit ───────────────────────────────────────────────────────
def start_import(actor: User, meeting: Meeting, file) -> PendingImport:
    """Keep the checked upload under the instance folder until the user confirms or it expires."""
    require(actor, "plan.import")
    data, kind = uploads.read_upload(file, allowed={"xlsx"})
    importer.read_rows(data)  # refuse an unreadable workbook or one without our columns right away
    purge_expired_imports()
    # Checked against what the user already keeps, staged workbooks included (models: count_towards_quota);
    # this one counts until it is imported, abandoned or purged after a day.
    uploads.check_quota(db.session, actor.id, len(data))
    stored = uploads.store_bytes(db.session, data, file.filename, kind)
    pending = PendingImport(token=secrets.token_urlsafe(24), meeting_id=meeting.id, created_by_id=actor.id,
                            stored_name=stored.stored_name, original_name=stored.original_name, size=len(data))
    db.session.add(pending)
    db.session.flush()
    return pending


def pending_data(pending: PendingImport) -> bytes:
    path = uploads.stored_path(pending.stored_name)
    if not path.exists():
        raise ValidationFailed("上传的文件已失效，请重新上传。")
    return path.read_bytes()


def commit_import(actor: User, pending: PendingImport) -> list[Task]:
    """All rows or none: refused while any row is in error, re-checked against the data as it is now."""
    require(actor, "plan.import")
    meeting = db.session.get(Meeting, pending.meeting_id)
    preview = importer.parse_workbook(pending_data(pending), meeting)
    if preview.error_count:
        raise ValidationFailed(f"还有 {preview.error_count} 行有错误，请修改文件后重新上传；本次没有导入任何任务。")
    if not preview.rows:
        raise ValidationFailed("文件里没有可导入的任务行。")
    tasks = create_tasks(actor, meeting, [row.spec for row in preview.rows],
                         how=f"从表格「{pending.original_name}」导入")
    discard_import(pending)
    return tasks


def discard_import(pending: PendingImport) -> None:
    _unlink_after_commit(db.session, pending.stored_name)
    db.session.delete(pending)
    db.session.flush()


def purge_expired_imports() -> int:
    expired = db.session.scalars(
        select(PendingImport).where(PendingImport.created_at < now() - PENDING_IMPORT_LIFETIME)).all()
    for pending in expired:
        discard_import(pending)
    return len(expired)


def _unlink_after_commit(session: Session, stored_name: str) -> None:
    session.info.setdefault("plans_unlink_after_commit", []).append(uploads.stored_path(stored_name))


@event.listens_for(Session, "after_commit")
def _unlink_committed_deletions(session: Session) -> None:
    """The staged file goes only once the row pointing to it is gone for good."""
    for path in session.info.pop("plans_unlink_after_commit", []):
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_files_on_rollback(session: Session, _previous) -> None:
    session.info.pop("plans_unlink_after_commit", None)


# ── personal calendar feed ────────────────────────────────────────────────────────────────────
def regenerate_ical_token(actor: User) -> str:
    """A new secret address; the old one stops working at once."""
    require(actor, "plan.ical")
    actor.ical_token = secrets.token_urlsafe(32)
    _record_on_user(actor, "重新生成了日历订阅地址（旧地址已失效）")
    db.session.flush()
    return actor.ical_token


def revoke_ical_token(actor: User) -> None:
    require(actor, "plan.ical")
    actor.ical_token = None
    _record_on_user(actor, "停用了日历订阅地址")
    db.session.flush()


def _record_on_user(actor: User, message: str) -> None:
    """The token itself is never written to the trail; that it changed is (``actor`` may be current_user's proxy)."""
    audit.record(db.session, "update", actor, actor=actor, object_type="User", object_id=actor.id, message=message)
