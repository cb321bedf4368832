"""领导批示 and 督办: writing, acknowledging and answering instructions; marking tasks 督办; closure reports.

Every function takes the acting user first, checks its permission rule, writes the audit trail — on the
instruction's own rows and, as an explicit event, on the task or document it concerns, so the object's page
shows it in its history — notifies, and flushes; never commits.
"""

from __future__ import annotations

from sqlalchemy import select, update

from meetingprep import audit, signals, timeutil
from meetingprep.auth.models import User
from meetingprep.documents.models import Document, DocumentDrafter
from meetingprep.errors import InvalidTransition, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership
from meetingprep.instructions.models import (
    Instruction,
    InstructionReceipt,
    InstructionReply,
    RecipientRole,
    Supervision,
)
from meetingprep.notifications.models import Notification
from meetingprep.notifications.services import notify_kind
from meetingprep.permissions import Role, can
from meetingprep.tasks.links import task_path
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskAction

MAX_BODY = 2000
MAX_NOTE = 500


def target_link(target: Task | Document, anchor: str = "instructions") -> str:
    """Where a message about the instruction leads: the object's page, at its 领导批示 section."""
    if isinstance(target, Task):
        return target_path(target.id, None, anchor)
    return target_path(None, target.id, anchor)


def target_path(task_id: int | None, document_id: int | None, anchor: str) -> str:
    """``target_link`` from the ids alone (the reminder scan reads rows, not objects)."""
    if task_id is not None:
        return task_path(task_id, anchor)
    return f"/documents/{document_id}#{anchor}"


def target_label(target: Task | Document) -> str:
    return label_of(isinstance(target, Task), target.title)


def label_of(is_task: bool, title: str) -> str:
    return f"{'任务' if is_task else '材料'}「{title}」"


def _text(value: str | None, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{what}。")
    if len(value) > limit:
        raise ValidationFailed(f"{what}不能超过 {limit} 字（现有 {len(value)} 字），请精简后再提交。")
    return value


def _active(user_ids) -> set[int]:
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    return set(db.session.scalars(select(User.id).where(User.id.in_(user_ids), User.is_active_account.is_(True))))


def _group_leads(group_id: int | None) -> set[int]:
    if group_id is None:
        return set()
    return set(db.session.scalars(select(GroupMembership.user_id).where(
        GroupMembership.group_id == group_id, GroupMembership.is_lead.is_(True))))


def addressees(target: Task | Document) -> dict[int, RecipientRole]:
    """Who answers for the object now: a task's owner (a document's drafters) and the group's leads, active
    accounts only. Someone both owner and lead is addressed as the owner."""
    if isinstance(target, Task):
        answering = {target.owner_id: RecipientRole.OWNER}
    else:
        drafters = db.session.scalars(select(DocumentDrafter.user_id).where(DocumentDrafter.document_id == target.id))
        answering = dict.fromkeys(drafters, RecipientRole.DRAFTER)
    for lead_id in _group_leads(target.group_id):
        answering.setdefault(lead_id, RecipientRole.LEAD)
    active = _active(answering)
    return {user_id: role for user_id, role in answering.items() if user_id in active}


# ── 批示 ─────────────────────────────────────────────────────────────────────────────────────────
def write_instruction(actor: User, target: Task | Document, body: str) -> Instruction:
    """A leader's 批示: stored with one receipt per addressee, who are told at once."""
    if not can(actor, "instruction.write", target):
        raise NotAllowed("只有领导和大会秘书处可以作出批示。")
    body = _text(body, "批示内容", MAX_BODY)
    recipients = addressees(target)
    recipients.pop(actor.id, None)  # a leader does not report to themself
    if not recipients:
        raise ValidationFailed(f"{target_label(target)}目前没有可以承办批示的责任人或组长（账号均已停用），"
                               "请先调整责任人再作批示。")
    is_task = isinstance(target, Task)
    instruction = Instruction(meeting_id=target.meeting_id, task_id=target.id if is_task else None,
                              document_id=None if is_task else target.id, author_id=actor.id, body=body,
                              created_at=timeutil.now(),
                              receipts=[InstructionReceipt(user_id=user_id, role=role) for user_id, role in
                                        sorted(recipients.items(), key=lambda r: (r[1] == RecipientRole.LEAD, r[0]))],
                              replies=[])
    db.session.add(instruction)
    db.session.flush()
    audit.record(db.session, "领导批示", target, actor=actor, message=f"{actor.display_name}批示：{body}")
    notify_kind(list(recipients), kind="instruction.new",
                values={"领导": actor.display_name, "对象": target_label(target), "批示": body},
                link=target_link(target, f"instruction-{instruction.id}"),
                dedup_key=_new_key(instruction), meeting_id=target.meeting_id)
    db.session.flush()
    return instruction


def _new_key(instruction: Instruction) -> str:
    return f"instruction.new:{instruction.id}"


def acknowledge(actor: User, instruction: Instruction, target: Task | Document) -> InstructionReceipt:
    """已阅: once per addressee (a second click changes nothing); their 批示 message is then settled."""
    receipt = _receipt(actor, instruction)
    if receipt.read_at is None:
        receipt.read_at = timeutil.now()
        audit.record(db.session, "已阅批示", target, actor=actor,
                     message=f"{actor.display_name}已阅{_author_name(instruction)}的批示")
        _settle(instruction, actor)
        db.session.flush()
    return receipt


def reply(actor: User, instruction: Instruction, target: Task | Document, body: str) -> InstructionReply:
    """办理情况: an addressee reports back (reporting is reading it too); the leader is told."""
    receipt = _receipt(actor, instruction)
    body = _text(body, "办理情况", MAX_BODY)
    moment = timeutil.now()
    if receipt.read_at is None:
        receipt.read_at = moment
        _settle(instruction, actor)
    answer = InstructionReply(instruction_id=instruction.id, author_id=actor.id, body=body, created_at=moment)
    db.session.add(answer)
    db.session.flush()
    audit.record(db.session, "报告办理情况", target, actor=actor,
                 message=f"{actor.display_name}报告{_author_name(instruction)}批示的办理情况：{body}")
    if instruction.author_id is not None and instruction.author_id != actor.id:
        notify_kind([instruction.author_id], kind="instruction.reply",
                    values={"承办人": actor.display_name, "对象": target_label(target), "批示": instruction.body,
                            "办理情况": body},
                    link=target_link(target, f"instruction-{instruction.id}"),
                    dedup_key=f"instruction.reply:{answer.id}", meeting_id=instruction.meeting_id)
    db.session.flush()
    return answer


def _settle(instruction: Instruction, actor: User) -> None:
    """Their 批示 message no longer waits unread in the inbox: it has been read (exactly their message — the
    dedup key ``notify`` gave it — not every key it begins)."""
    db.session.execute(
        update(Notification).where(Notification.kind == "instruction.new",
                                   Notification.dedup_key == f"{_new_key(instruction)}:u{actor.id}",
                                   Notification.read_at.is_(None))
        .values(read_at=timeutil.now()).execution_options(synchronize_session=False))


def _receipt(actor: User, instruction: Instruction) -> InstructionReceipt:
    if not can(actor, "instruction.answer", instruction):
        raise NotAllowed("这条批示不是交给您办理的：只有批示所交办的责任人和组长可以签阅和报告办理情况。")
    return instruction.receipt_of(actor.id)


def _author_name(instruction: Instruction) -> str:
    author = db.session.get(User, instruction.author_id) if instruction.author_id else None
    return author.display_name if author is not None else "领导"


# ── 督办 ─────────────────────────────────────────────────────────────────────────────────────────
def leader_choices() -> list[tuple[int, str]]:
    return [(row.id, row.display_name) for row in db.session.execute(
        select(User.id, User.display_name).where(User.role == Role.LEADER, User.is_active_account.is_(True))
        .order_by(User.display_name, User.id))]


def supervision_of(task_id: int) -> Supervision | None:
    return db.session.scalar(select(Supervision).where(Supervision.task_id == task_id))


def supervise(actor: User, task: Task, *, leader_id: int | None = None, note: str = "") -> Supervision:
    """Mark the task 督办, followed by ``leader_id`` (a leader marking it: themself by default). Marking it again
    changes the leader or the 督办要求."""
    if not can(actor, "task.supervise", task):
        raise NotAllowed("只有领导和大会秘书处可以督办任务。")
    if not task.is_open:
        raise InvalidTransition(f"任务当前为「{task.status.label}」，已经办结，无需督办。")
    if leader_id is None and actor.role == Role.LEADER:
        leader_id = actor.id
    leader = db.session.get(User, leader_id) if leader_id else None
    if leader is None or leader.role != Role.LEADER or not leader.is_active_account:
        raise ValidationFailed("请选择督办领导。")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"督办要求不能超过 {MAX_NOTE} 字。")
    supervision = supervision_of(task.id)
    if supervision is None:
        supervision = Supervision(meeting_id=task.meeting_id, task_id=task.id)
        db.session.add(supervision)
    elif supervision.leader_id == leader.id and supervision.note == note:
        return supervision  # already so: a second click changes nothing
    supervision.leader_id, supervision.note = leader.id, note
    supervision.marked_by_id, supervision.marked_at = actor.id, timeutil.now()
    db.session.flush()
    audit.record(db.session, "督办", task, actor=actor,
                 message=f"列为{leader.display_name}督办的任务" + (f"：{note}" if note else ""))
    notify_kind({task.owner_id, *_group_leads(task.group_id), leader.id} - {actor.id}, kind="task.supervised",
                values={"任务": task.title, "领导": leader.display_name, "督办要求": note or "（无）"},
                link=task_path(task.id), meeting_id=task.meeting_id,
                dedup_key=f"task.supervised:{task.id}:{leader.id}:{supervision.marked_at.isoformat()}")
    db.session.flush()
    return supervision


def unsupervise(actor: User, task: Task) -> None:
    if not can(actor, "task.supervise", task):
        raise NotAllowed("只有领导和大会秘书处可以取消督办。")
    supervision = supervision_of(task.id)
    if supervision is None:
        return  # already not 督办: the outcome wanted
    db.session.delete(supervision)
    db.session.flush()
    audit.record(db.session, "取消督办", task, actor=actor, message="不再列为督办任务")
    db.session.flush()


@signals.task_transitioned.connect
def report_closure(task: Task, actor: User | None = None, action: TaskAction | None = None, **_kw) -> None:
    """A 督办 task accepted (办结) or cancelled: the leader following it is told, with the completion note."""
    if action not in (TaskAction.ACCEPT, TaskAction.CANCEL):
        return
    supervision = supervision_of(task.id)
    if supervision is None:
        return
    outcome = "已验收办结" if action == TaskAction.ACCEPT else "已取消"
    detail = task.completion_note if action == TaskAction.ACCEPT else task.status_note
    notify_kind([supervision.leader_id], kind="task.supervised.closed",
                values={"任务": task.title, "结果": outcome, "办理情况": detail or "（无）",
                        "经办人": actor.display_name if actor is not None else "系统"},
                link=task_path(task.id), dedup_key=f"task.supervised.closed:{task.id}:{task.version_id}",
                meeting_id=task.meeting_id)
    audit.record(db.session, "督办办结报告", task, actor=actor, message=f"督办任务{outcome}，已报告督办领导")
