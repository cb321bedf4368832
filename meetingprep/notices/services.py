"""Notice rules: compose and send (now or at a set time), resolve scopes into people, receipts, reminders.

Every function takes the acting user first where a person acts, checks the permission rule itself, writes the
audit trail, and flushes, never commits: the views commit once, the scheduler's tick (``jobs.py``) once per
notice.

Exactly once, whoever runs it: a scheduled notice is claimed by one conditional UPDATE (status still
``scheduled``) before it is resolved and sent, and the unread reminder by one conditional UPDATE
(``reminded_at`` still empty); every message's dedup key (``notice:<id>:<person>``) and every delivery
(notification, channel, target) are unique in the database besides. Statements do not grow with
recipients: each scope kind is one condition, people come from two queries, and messages, receipts and
deliveries are inserted in multi-row batches.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from meetingprep import audit, timeutil
from meetingprep.attendance.models import DiscussionGroup, MemberProfile, Sitting
from meetingprep.attendance.queries import approved_leave_clause, expected_members
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.errors import Conflict, InvalidTransition, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.notices.messages import UNREAD_KIND
from meetingprep.notices.models import Notice, NoticeCategory, NoticeRecipient, NoticeScope, NoticeStatus, ScopeKind
from meetingprep.notifications import sms, wording
from meetingprep.notifications.channels import absolute_link, email_configured
from meetingprep.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from meetingprep.notifications.services import insert_ignoring_conflicts
from meetingprep.permissions import require
from meetingprep.roles import Role

log = logging.getLogger(__name__)

TITLE_MAX = 100
BODY_MAX = 4000
REMIND_MAX_HOURS = 7 * 24
#: How far ahead a notice may be set to go out.
SCHEDULE_WINDOW = dt.timedelta(days=120)
#: Staff (全体工作人员): the roles who prepare the meeting; leaders and members have scopes of their own.
STAFF_ROLES = (Role.SECRETARIAT, Role.GROUP_LEAD, Role.STAFF)
MEMBER_SCOPES = frozenset({ScopeKind.ALL_MEMBERS, ScopeKind.STANDING, ScopeKind.SECTOR, ScopeKind.DISCUSSION_GROUP,
                           ScopeKind.SITTING})
NOTICE_KIND = "notice"


@dataclass(frozen=True)
class ScopeChoice:
    kind: ScopeKind
    ref_id: int | None = None
    ref_text: str = ""


@dataclass
class NoticeData:
    category: NoticeCategory
    title: str
    body: str
    scopes: list[ScopeChoice]
    send_email: bool = False
    send_sms: bool = False
    send_at: dt.datetime | None = None  # None: at once
    remind_after_hours: int | None = None  # None or 0: no unread reminder


@dataclass(frozen=True)
class Person:
    """One recipient as resolved from the scopes; ``key`` is "u<user id>" or, without an account, "m<member id>"."""

    key: str
    user_id: int | None
    member_id: int | None
    is_member: bool
    name: str
    affiliation: str
    mobile: str  # an SMS-able mobile number, or ""
    email: str
    contact_phone: str


# ── scopes ─────────────────────────────────────────────────────────────────────────────────────
def _check_text(data: NoticeData) -> None:
    if not data.title.strip():
        raise ValidationFailed("请填写标题。")
    if len(data.title) > TITLE_MAX:
        raise ValidationFailed(f"标题不能超过 {TITLE_MAX} 字。")
    if not data.body.strip():
        raise ValidationFailed("请填写正文。")
    if len(data.body) > BODY_MAX:
        raise ValidationFailed(f"正文不能超过 {BODY_MAX} 字。")
    if data.remind_after_hours is not None and not 0 <= data.remind_after_hours <= REMIND_MAX_HOURS:
        raise ValidationFailed(f"未读提醒应在发出后 1 到 {REMIND_MAX_HOURS} 小时之间（0 或留空为不提醒）。")


def scope_rows(meeting: Meeting, scopes: list[ScopeChoice]) -> list[NoticeScope]:
    """The scopes checked against the meeting (a group, sitting or 界别 of another meeting is refused), labelled."""
    if not scopes:
        raise ValidationFailed("请至少选择一个发送范围（委员、工作人员或具体的组、会次、界别）。")
    wanted = {kind: [s for s in scopes if s.kind == kind] for kind in ScopeKind}
    names: dict[ScopeKind, dict] = {}
    if wanted[ScopeKind.DISCUSSION_GROUP]:
        names[ScopeKind.DISCUSSION_GROUP] = dict(db.session.execute(
            select(DiscussionGroup.id, DiscussionGroup.name).where(
                DiscussionGroup.meeting_id == meeting.id,
                DiscussionGroup.id.in_([s.ref_id for s in wanted[ScopeKind.DISCUSSION_GROUP]]))).all())
    if wanted[ScopeKind.SITTING]:
        names[ScopeKind.SITTING] = dict(db.session.execute(
            select(Sitting.id, Sitting.name).where(
                Sitting.meeting_id == meeting.id, Sitting.id.in_([s.ref_id for s in wanted[ScopeKind.SITTING]]))).all())
    if wanted[ScopeKind.WORKING_GROUP]:
        names[ScopeKind.WORKING_GROUP] = dict(db.session.execute(
            select(WorkingGroup.id, WorkingGroup.name).where(
                WorkingGroup.meeting_id == meeting.id,
                WorkingGroup.id.in_([s.ref_id for s in wanted[ScopeKind.WORKING_GROUP]]))).all())
    if wanted[ScopeKind.SECTOR]:
        sectors = set(db.session.scalars(select(MemberProfile.sector).distinct().where(
            MemberProfile.meeting_id == meeting.id,
            MemberProfile.sector.in_([s.ref_text for s in wanted[ScopeKind.SECTOR]]))))
        names[ScopeKind.SECTOR] = {text: text for text in sectors}
    rows, seen = [], set()
    for scope in scopes:
        key = (scope.kind, scope.ref_id, scope.ref_text)
        if key in seen:
            continue
        seen.add(key)
        if scope.kind in names:
            ref = scope.ref_text if scope.kind == ScopeKind.SECTOR else scope.ref_id
            name = names[scope.kind].get(ref)
            if name is None:
                raise ValidationFailed(f"所选的{scope.kind.label}不存在或不属于本次会议，请重新选择。")
            label = f"{name}（{scope.kind.label}）" if scope.kind in (ScopeKind.SECTOR, ScopeKind.SITTING) else name
        else:
            label = scope.kind.label
        rows.append(NoticeScope(kind=scope.kind, ref_id=scope.ref_id, ref_text=scope.ref_text[:60], label=label[:200]))
    return rows


def _member_condition(scopes: list[NoticeScope]):
    """Which roster rows of the meeting the member scopes name: one condition, whatever the scopes (a sitting's
    expected members are a condition on the roster alone, built from the loaded sitting)."""
    sitting_ids = [scope.ref_id for scope in scopes if scope.kind == ScopeKind.SITTING]
    sittings = {s.id: s for s in db.session.scalars(select(Sitting).where(Sitting.id.in_(sitting_ids)))} \
        if sitting_ids else {}
    parts = []
    for scope in scopes:
        if scope.kind == ScopeKind.ALL_MEMBERS:
            parts.append(MemberProfile.id.is_not(None))
        elif scope.kind == ScopeKind.STANDING:
            parts.append(MemberProfile.is_standing.is_(True))
        elif scope.kind == ScopeKind.SECTOR:
            parts.append(MemberProfile.sector == scope.ref_text)
        elif scope.kind == ScopeKind.DISCUSSION_GROUP:
            parts.append(MemberProfile.discussion_group_id == scope.ref_id)
        elif scope.kind == ScopeKind.SITTING and scope.ref_id in sittings:
            # expected at the sitting (应到), and not on approved leave for it
            parts.append(and_(expected_members(sittings[scope.ref_id]),
                              ~approved_leave_clause(scope.ref_id, MemberProfile.id)))
    return or_(*parts) if parts else None


def _staff_condition(scopes: list[NoticeScope]):
    parts = []
    for scope in scopes:
        if scope.kind == ScopeKind.ALL_STAFF:
            parts.append(User.role.in_(STAFF_ROLES))
        elif scope.kind == ScopeKind.WORKING_GROUP:
            parts.append(User.id.in_(select(GroupMembership.user_id).where(GroupMembership.group_id == scope.ref_id)))
    return or_(*parts) if parts else None


def resolve_people(meeting_id: int, scopes: list[NoticeScope]) -> list[Person]:
    """Everyone the scopes name, once each: members (with or without an account) first, then staff."""
    people: dict[str, Person] = {}
    member_condition = _member_condition(scopes)
    if member_condition is not None:
        rows = db.session.execute(
            select(MemberProfile.id, MemberProfile.user_id, MemberProfile.name, MemberProfile.sector,
                   MemberProfile.phone, User.phone.label("user_phone"), User.email, User.is_active_account)
            .outerjoin(User, User.id == MemberProfile.user_id)
            .where(MemberProfile.meeting_id == meeting_id, member_condition)
            .order_by(MemberProfile.member_no, MemberProfile.id))
        for row in rows:
            # an account that is switched off cannot read anything here: the person counts as without one
            user_id = row.user_id if row.user_id is not None and row.is_active_account else None
            key = f"u{user_id}" if user_id is not None else f"m{row.id}"
            people.setdefault(key, Person(
                key, user_id, row.id, True, row.name, row.sector, sms.phone_target(row.phone, row.user_phone),
                (row.email or "") if user_id is not None else "", row.phone or row.user_phone or ""))
    staff_condition = _staff_condition(scopes)
    if staff_condition is not None:
        staff = select(User.id).where(User.is_active_account, staff_condition)
        groups: dict[int, list[str]] = {}
        for user_id, name in db.session.execute(
                select(GroupMembership.user_id, WorkingGroup.name)
                .join(WorkingGroup, WorkingGroup.id == GroupMembership.group_id)
                .where(WorkingGroup.meeting_id == meeting_id, GroupMembership.user_id.in_(staff))
                .order_by(WorkingGroup.sort_order, WorkingGroup.id)):
            groups.setdefault(user_id, []).append(name)
        for row in db.session.execute(select(User.id, User.display_name, User.phone, User.email, User.role)
                                      .where(User.is_active_account, staff_condition).order_by(User.id)):
            affiliation = "、".join(groups.get(row.id, [])) or row.role.label
            people.setdefault(f"u{row.id}", Person(
                f"u{row.id}", row.id, None, False, row.display_name, affiliation, sms.phone_target(row.phone),
                row.email or "", row.phone or ""))
    return list(people.values())


# ── composing and sending ──────────────────────────────────────────────────────────────────────
def create_notice(actor: User, meeting: Meeting, data: NoticeData) -> Notice:
    """Save the notice; without a set time it goes out at once (in this transaction)."""
    require(actor, "notice.manage")
    _check_text(data)
    moment = timeutil.now()
    if data.send_at is not None:
        if data.send_at <= moment:
            raise ValidationFailed("定时发送的时间已经过去，请选择以后的时间，或选择“立即发送”。")
        if data.send_at > moment + SCHEDULE_WINDOW:
            raise ValidationFailed(f"定时发送的时间不能晚于 {SCHEDULE_WINDOW.days} 天以后。")
    if data.send_sms and not sms.configured():
        raise ValidationFailed("短信网关尚未配置（SMS_GATEWAY_URL），不能发送短信；"
                               "请取消“短信”，或请运维人员先配置短信网关。")
    if data.send_email and not email_configured():
        raise ValidationFailed("邮件服务器尚未配置（MAIL_HOST），不能发送邮件；"
                               "请取消“邮件”，或请运维人员先配置邮件服务器。")
    scopes = scope_rows(meeting, data.scopes)
    people = resolve_people(meeting.id, scopes)
    if not people:
        raise ValidationFailed("所选范围内没有任何人员（名册或工作组为空），请检查发送范围。")
    notice = Notice(meeting_id=meeting.id, category=NoticeCategory(data.category), title=data.title.strip(),
                    body=data.body.strip(),
                    audience="、".join(scope.label for scope in scopes)[:500], send_email=data.send_email,
                    send_sms=data.send_sms, send_at=data.send_at or moment,
                    status=NoticeStatus.SCHEDULED if data.send_at is not None else NoticeStatus.SENT,
                    sent_at=None if data.send_at is not None else moment,
                    remind_after_hours=data.remind_after_hours or None, created_by_id=actor.id, created_at=moment,
                    scopes=scopes)
    db.session.add(notice)
    db.session.flush()
    if data.send_at is None:
        _send(notice, people, moment, actor)
    else:
        audit.record(db.session, "schedule", notice, actor=actor,
                     message=f"定时发送通知公告《{notice.title}》：{timeutil.format_datetime(notice.send_at)}，"
                             f"目前范围内 {len(people)} 人")
    return notice


def _send(notice: Notice, people: list[Person], moment: dt.datetime, actor: User | None) -> None:
    """The messages, receipts and deliveries of one notice, in a fixed number of statements."""
    link = f"/notices/{notice.id}"
    subject = f"【{notice.category.label}】{notice.title}"[:200]
    carriers = [p for p in people if p.user_id is not None or (notice.send_sms and p.mobile)]
    inserted = insert_ignoring_conflicts(Notification, [
        {"recipient_id": p.user_id, "kind": NOTICE_KIND, "subject": subject, "body": notice.body,
         "link": link if p.user_id is not None else "", "dedup_key": f"notice:{notice.id}:{p.key}",
         "meeting_id": notice.meeting_id, "is_escalation": False, "created_at": moment} for p in carriers],
        ["dedup_key"], returning=(Notification.id, Notification.dedup_key))
    message_of = {row.dedup_key.rpartition(":")[2]: row.id for row in inserted}
    rows, deliveries = [], []
    for p in people:
        notification_id = message_of.get(p.key)
        phone = p.mobile if notice.send_sms and notification_id is not None else ""
        email = p.email if notice.send_email and notification_id is not None and p.user_id is not None else ""
        rows.append({"notice_id": notice.id, "person_key": p.key, "user_id": p.user_id, "member_id": p.member_id,
                     "is_member": p.is_member, "name": p.name[:64], "affiliation": p.affiliation[:120],
                     "phone": phone, "email": email, "contact_phone": p.contact_phone[:32],
                     "notification_id": notification_id})
        deliveries += _delivery_rows(notification_id, email, phone, moment)
    insert_ignoring_conflicts(NoticeRecipient, rows, ["notice_id", "person_key"])
    insert_ignoring_conflicts(Delivery, deliveries, ["notification_id", "channel", "target"])
    notice.status, notice.sent_at, notice.recipient_count = NoticeStatus.SENT, moment, len(people)
    notice.remind_at = moment + dt.timedelta(hours=notice.remind_after_hours) if notice.remind_after_hours else None
    db.session.flush()
    unreachable = sum(1 for row in rows if not row["phone"] and not row["email"] and row["user_id"] is None)
    texts, mails = sum(bool(row["phone"]) for row in rows), sum(bool(row["email"]) for row in rows)
    audit.record(db.session, "send", notice, actor=actor,
                 message=f"发送通知公告《{notice.title}》：{len(people)} 人（短信 {texts} 条，邮件 {mails} 封，"
                         f"无账号且无短信/邮件 {unreachable} 人）")


def _delivery_rows(notification_id: int | None, email: str, phone: str, moment: dt.datetime) -> list[dict]:
    if notification_id is None:
        return []
    targets = ([(Channel.EMAIL, email)] if email else []) + ([(Channel.SMS, phone)] if phone else [])
    return [{"notification_id": notification_id, "channel": channel, "target": target,
             "status": DeliveryStatus.PENDING, "attempts": 0, "next_attempt_at": moment, "last_error": "",
             "created_at": moment} for channel, target in targets]


def _of_open_meetings():
    """An archived meeting is read-only (meetings/closure.py): its scheduled notices and reminders wait (and go
    out if it is reopened) instead of failing at every tick."""
    return Notice.meeting_id.not_in(select(Meeting.id).where(Meeting.closed_at.is_not(None)))


def due_to_send(moment: dt.datetime) -> list[int]:
    return list(db.session.scalars(select(Notice.id).where(
        Notice.status == NoticeStatus.SCHEDULED, Notice.send_at <= moment, _of_open_meetings())
        .order_by(Notice.send_at, Notice.id)))


def send_scheduled(notice_id: int, moment: dt.datetime) -> Notice | None:
    """The scheduler's part: claim the notice (one conditional UPDATE), then resolve and send it. None when
    another runner claimed it first, or it was cancelled meanwhile."""
    won = db.session.execute(
        update(Notice).where(Notice.id == notice_id, Notice.status == NoticeStatus.SCHEDULED)
        .values(status=NoticeStatus.SENT, sent_at=moment, version_id=Notice.version_id + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        return None
    notice = db.session.scalars(select(Notice).where(Notice.id == notice_id)
                                .options(selectinload(Notice.scopes))
                                .execution_options(populate_existing=True)).one()
    _send(notice, resolve_people(notice.meeting_id, list(notice.scopes)), moment, None)
    return notice


def cancel_notice(actor: User, notice: Notice, version_id: int | str | None) -> None:
    """A notice set to go out later can be withdrawn until it goes; one that went out stays as it was sent."""
    require(actor, "notice.manage")
    expect_version(notice, version_id, "该通知")
    if notice.status != NoticeStatus.SCHEDULED:
        raise InvalidTransition(f"该通知当前为“{notice.status.label}”，只有定时待发的通知可以撤销。")
    notice.status, notice.cancelled_at = NoticeStatus.CANCELLED, timeutil.now()
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise Conflict("该通知刚刚已按时发出或被他人修改，请刷新后查看。") from error


# ── receipts ───────────────────────────────────────────────────────────────────────────────────
def open_notice(actor: User, receipt: NoticeRecipient) -> bool:
    """The recipient opened the notice: the first time is the receipt (later visits change nothing), and its
    inbox messages (the notice and its reminder) are read with it. True when this was the first time."""
    require(actor, "notice.read", receipt)
    if receipt.read_at is not None:
        return False
    moment = timeutil.now()
    first = db.session.execute(
        update(NoticeRecipient).where(NoticeRecipient.id == receipt.id, NoticeRecipient.read_at.is_(None))
        .values(read_at=moment).execution_options(synchronize_session=False)).rowcount
    messages = [i for i in (receipt.notification_id, receipt.reminder_notification_id) if i is not None]
    if messages:
        db.session.execute(update(Notification).where(Notification.id.in_(messages), Notification.read_at.is_(None))
                           .values(read_at=moment).execution_options(synchronize_session=False))
    db.session.expire(receipt)
    return bool(first)


# ── the unread reminder ────────────────────────────────────────────────────────────────────────
def due_to_remind(moment: dt.datetime) -> list[int]:
    return list(db.session.scalars(select(Notice.id).where(
        Notice.status == NoticeStatus.SENT, Notice.reminded_at.is_(None), Notice.remind_at.is_not(None),
        Notice.remind_at <= moment, _of_open_meetings()).order_by(Notice.remind_at, Notice.id)))


def remind_unread(notice_id: int, moment: dt.datetime) -> int | None:
    """Once per notice: those who have not read it get the "notice.unread" wording on the notice's own
    channels. Claimed by one conditional UPDATE; None when another runner had it. Returns how many were told."""
    won = db.session.execute(
        update(Notice).where(Notice.id == notice_id, Notice.status == NoticeStatus.SENT,
                             Notice.reminded_at.is_(None), Notice.remind_at <= moment)
        .values(reminded_at=moment, version_id=Notice.version_id + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        return None
    notice = db.session.scalars(select(Notice).where(Notice.id == notice_id)
                                .execution_options(populate_existing=True)).one()
    unread = list(db.session.scalars(select(NoticeRecipient).where(
        NoticeRecipient.notice_id == notice_id, NoticeRecipient.read_at.is_(None),
        or_(NoticeRecipient.user_id.is_not(None), NoticeRecipient.phone != "")).order_by(NoticeRecipient.id)))
    text = wording.wordings([UNREAD_KIND.kind])[UNREAD_KIND.kind]
    link = f"/notices/{notice.id}"
    rows = []
    for receipt in unread:
        values = {"姓名": receipt.name, "标题": notice.title, "类别": notice.category.label,
                  "发布时间": timeutil.format_datetime(notice.sent_at),
                  "链接": absolute_link(link) if receipt.user_id is not None else ""}
        subject, body = wording.render_kind(text, values)
        rows.append({"recipient_id": receipt.user_id, "kind": UNREAD_KIND.kind, "subject": subject[:200],
                     "body": body, "link": link if receipt.user_id is not None else "",
                     "dedup_key": f"notice.unread:{notice.id}:{receipt.person_key}", "meeting_id": notice.meeting_id,
                     "is_escalation": False, "created_at": moment})
    inserted = insert_ignoring_conflicts(Notification, rows, ["dedup_key"],
                                         returning=(Notification.id, Notification.dedup_key))
    message_of = {row.dedup_key.rpartition(":")[2]: row.id for row in inserted}
    deliveries, updates = [], []
    for receipt in unread:
        notification_id = message_of.get(receipt.person_key)
        if notification_id is None:
            continue
        deliveries += _delivery_rows(notification_id, receipt.email, receipt.phone, moment)
        updates.append({"id": receipt.id, "reminded_at": moment, "reminder_notification_id": notification_id})
    insert_ignoring_conflicts(Delivery, deliveries, ["notification_id", "channel", "target"])
    if updates:
        db.session.execute(update(NoticeRecipient), updates)
    audit.record(db.session, "remind", notice, actor=None,
                 message=f"通知公告《{notice.title}》未读提醒：{len(updates)} 人")
    return len(updates)

