"""The one notification service every part of the product uses, and the inbox/settings actions.

``notify()`` writes the in-app message and queues one delivery per push channel the recipient
chose (e-mail, their working groups' robots). It is idempotent by ``dedup_key``: the insert skips
keys that exist (ON CONFLICT DO NOTHING), so two processes racing on the same event create one
message. Everything here is set-based: the number of statements does not grow with recipients.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select, update

from meetingprep import audit, timeutil
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.db import upsert_insert
from meetingprep.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.notifications import robots, sms, wording
from meetingprep.notifications.channels import absolute_link, email_configured
from meetingprep.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    GroupWebhook,
    MessageTemplate,
    Notification,
    NotificationPreference,
)

DEFAULT_QUIET = (dt.time(22, 0), dt.time(7, 0))
_MAX_PARAMETERS = 30000  # per multi-VALUES insert: below SQLite's (32766) and PostgreSQL's (65535) limits


# ── inserting without duplicates ───────────────────────────────────────────────────────────────
def insert_ignoring_conflicts(model, rows: Sequence[dict], conflict_columns: Sequence[str], returning=()):
    """INSERT … ON CONFLICT DO NOTHING [RETURNING …]; returns the rows actually inserted.

    The unique constraint decides, not a prior SELECT, so concurrent writers cannot both win.
    Executed as one executemany that SQLAlchemy's "insertmanyvalues" sends as multi-row batches
    bounded only by the database's parameter limit, so statements do not grow with rows.
    """
    if not rows:
        return []
    # render_nulls: a None is sent as NULL rather than leaving the column out, so every row has the same
    # columns and they go in one batch (the ORM otherwise starts a new statement wherever the Nones change).
    statement = upsert_insert(model, db.session.get_bind().dialect.name) \
        .on_conflict_do_nothing(index_elements=list(conflict_columns)) \
        .execution_options(insertmanyvalues_page_size=_MAX_PARAMETERS // len(rows[0]), render_nulls=True)
    if returning:
        return db.session.execute(statement.returning(*returning), list(rows)).all()
    db.session.execute(statement, list(rows))
    return []


# ── quiet hours ────────────────────────────────────────────────────────────────────────────────
def quiet_hours_end(moment: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime | None:
    """The end of the quiet window containing ``moment`` (aware UTC), or None when outside it.

    Windows may span midnight (22:00–07:00); ``start == end`` means no quiet hours.
    """
    if start == end:
        return None
    local = timeutil.to_local(moment)
    clock = local.time().replace(tzinfo=None)
    spans_midnight = start > end
    inside = (clock >= start or clock < end) if spans_midnight else (start <= clock < end)
    if not inside:
        return None
    end_day = local.date()
    if spans_midnight and clock >= start:
        end_day += dt.timedelta(days=1)
    return dt.datetime.combine(end_day, end, tzinfo=local.tzinfo).astimezone(dt.UTC)


def parse_clock(text: str | None, what: str) -> dt.time:
    """"7:00" / "22:30" → time; a kind Chinese message for anything else."""
    match = re.fullmatch(r"([01]?\d|2[0-3])[:：]([0-5]\d)", (text or "").strip())
    if not match:
        raise ValidationFailed(f"{what}格式不正确，请按“时:分”填写，例如 22:00。")
    return dt.time(int(match.group(1)), int(match.group(2)))


# ── creating notifications ─────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Message:
    """One message for one recipient, before it is stored."""

    recipient_id: int
    kind: str
    subject: str
    body: str
    link: str
    dedup_key: str
    meeting_id: int | None = None
    is_escalation: bool = False


def create_messages(messages: Sequence[Message]) -> list[int]:
    """Store the messages whose dedup key is new and queue their deliveries; returns the new ids."""
    moment = timeutil.now()
    rows = [{"recipient_id": m.recipient_id, "kind": m.kind[:40], "subject": m.subject[:200], "body": m.body,
             "link": m.link[:500], "dedup_key": m.dedup_key[:255], "meeting_id": m.meeting_id,
             "is_escalation": m.is_escalation, "created_at": moment} for m in messages]
    inserted = insert_ignoring_conflicts(
        Notification, rows, ["dedup_key"],
        returning=(Notification.id, Notification.recipient_id, Notification.is_escalation, Notification.kind))
    _queue_deliveries(inserted, moment)
    return [row.id for row in inserted]


def _queue_deliveries(inserted, moment: dt.datetime) -> None:
    """One delivery per chosen push channel; outside escalations, quiet hours push it back."""
    recipient_ids = {row.recipient_id for row in inserted}
    if not recipient_ids:
        return
    people = {row.id: row for row in db.session.execute(
        select(User.id, User.email, User.is_active_account, NotificationPreference.email_enabled,
               NotificationPreference.webhook_enabled, NotificationPreference.quiet_enabled,
               NotificationPreference.quiet_start, NotificationPreference.quiet_end)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.id.in_(recipient_ids)))}
    webhook_users = [uid for uid, p in people.items() if p.webhook_enabled]
    group_hooks: dict[int, list[int]] = {}
    if webhook_users:
        for user_id, group_id in db.session.execute(
                select(GroupMembership.user_id, GroupWebhook.group_id)
                .join(GroupWebhook, GroupWebhook.group_id == GroupMembership.group_id)
                .where(GroupMembership.user_id.in_(webhook_users), GroupWebhook.is_enabled,
                       GroupWebhook.url != "")):
            group_hooks.setdefault(user_id, []).append(group_id)
    mail_on = email_configured()
    sms_kinds = sms.notification_kinds() if sms.configured() else frozenset()
    mobiles = mobile_numbers({row.recipient_id for row in inserted if row.kind in sms_kinds})
    rows = []
    for row in inserted:
        person = people.get(row.recipient_id)
        if person is None or not person.is_active_account:
            continue
        start, end = DEFAULT_QUIET if person.quiet_start is None else (person.quiet_start, person.quiet_end)
        quiet_on = True if person.quiet_enabled is None else person.quiet_enabled
        deferred = None if row.is_escalation or not quiet_on else quiet_hours_end(moment, start, end)
        due = deferred or moment
        targets = []
        if mail_on and person.email and (person.email_enabled is None or person.email_enabled):
            targets.append((Channel.EMAIL, person.email))
        targets += [(Channel.WEBHOOK, str(group_id)) for group_id in group_hooks.get(row.recipient_id, [])]
        if row.kind in sms_kinds and mobiles.get(row.recipient_id):
            targets.append((Channel.SMS, mobiles[row.recipient_id]))
        rows += [{"notification_id": row.id, "channel": channel, "target": target,
                  "status": DeliveryStatus.PENDING, "attempts": 0, "next_attempt_at": due, "last_error": "",
                  "created_at": moment} for channel, target in targets]
    insert_ignoring_conflicts(Delivery, rows, ["notification_id", "channel", "target"])


def mobile_numbers(user_ids: set[int]) -> dict[int, str]:
    """Each person's mobile number: their account's 手机, else their roster row's (two queries, any number)."""
    if not user_ids:
        return {}
    from meetingprep.attendance.models import MemberProfile

    found = {user_id: sms.phone_target(phone) for user_id, phone in db.session.execute(
        select(User.id, User.phone).where(User.id.in_(user_ids)))}
    missing = [user_id for user_id, phone in found.items() if not phone]
    if missing:
        for user_id, phone in db.session.execute(
                select(MemberProfile.user_id, MemberProfile.phone).where(MemberProfile.user_id.in_(missing))
                .order_by(MemberProfile.id.desc())):
            found[user_id] = found.get(user_id) or sms.phone_target(phone)
    return {user_id: phone for user_id, phone in found.items() if phone}


def notify(recipient_ids: Iterable[int], *, kind: str, subject: str, body: str = "", link: str = "",
           dedup_key: str | None = None, meeting_id: int | None = None,
           is_escalation: bool = False) -> list[Notification]:
    """Tell each recipient once. ``dedup_key`` names the event (e.g. "task.accepted:42:3");
    the recipient id is appended, so one key serves a whole list of people."""
    event_key = dedup_key or f"{kind}:{uuid.uuid4().hex}"
    messages = [Message(recipient_id, kind, subject, body, link, f"{event_key}:u{recipient_id}",
                        meeting_id, is_escalation) for recipient_id in sorted(set(recipient_ids))]
    ids = create_messages(messages)
    if not ids:
        return []
    return list(db.session.scalars(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)))


def notify_kind(recipient_ids: Iterable[int], *, kind: str, values: dict[str, str], link: str, dedup_key: str,
                meeting_id: int | None = None, is_escalation: bool = False) -> list[Notification]:
    """``notify()`` in the wording in force for ``kind`` (registered with ``wording.register_kind``,
    editable by the secretariat); ``{链接}`` is filled with the absolute link."""
    recipient_ids = sorted(set(recipient_ids))
    if not recipient_ids:
        return []
    subject, body = wording.render_kind(wording.wordings([kind])[kind], {**values, "链接": absolute_link(link)})
    return notify(recipient_ids, kind=kind, subject=subject, body=body, link=link, dedup_key=dedup_key,
                  meeting_id=meeting_id, is_escalation=is_escalation)


# ── the inbox ──────────────────────────────────────────────────────────────────────────────────
def settle(kind: str, dedup_prefix: str) -> int:
    """What a notification asked for is done (a review stage completed, say): it no longer waits unread in
    anyone's inbox. ``dedup_prefix`` names the occasion, as its ``dedup_key`` begins."""
    result = db.session.execute(
        update(Notification).where(Notification.kind == kind, Notification.dedup_key.startswith(dedup_prefix),
                                   Notification.read_at.is_(None))
        .values(read_at=timeutil.now()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def mark_read(actor: User, notification: Notification) -> None:
    if notification.recipient_id != actor.id:
        raise NotFound("这条通知不存在。")
    if notification.read_at is None:
        notification.read_at = timeutil.now()
    db.session.flush()


def mark_all_read(actor: User) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.recipient_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=timeutil.now()).execution_options(synchronize_session=False))
    return result.rowcount or 0


# ── settings ───────────────────────────────────────────────────────────────────────────────────
def preferences_of(user_id: int) -> NotificationPreference:
    """The stored preferences, or an unsaved row holding the defaults."""
    return db.session.get(NotificationPreference, user_id) or NotificationPreference(
        user_id=user_id, email_enabled=True, webhook_enabled=False, quiet_enabled=True,
        quiet_start=DEFAULT_QUIET[0], quiet_end=DEFAULT_QUIET[1])


def update_preferences(actor: User, *, email_enabled: bool, webhook_enabled: bool, quiet_enabled: bool,
                       quiet_start: str, quiet_end: str) -> NotificationPreference:
    start = parse_clock(quiet_start, "免打扰开始时间")
    end = parse_clock(quiet_end, "免打扰结束时间")
    if quiet_enabled and start == end:
        raise ValidationFailed("免打扰的开始和结束时间不能相同；不需要免打扰时请取消勾选。")
    preference = db.session.get(NotificationPreference, actor.id)
    if preference is None:
        preference = NotificationPreference(user_id=actor.id)
        db.session.add(preference)
    preference.email_enabled = email_enabled
    preference.webhook_enabled = webhook_enabled
    preference.quiet_enabled = quiet_enabled
    preference.quiet_start = start
    preference.quiet_end = end
    db.session.flush()
    return preference


# ── wording ────────────────────────────────────────────────────────────────────────────────────
def message_kind(kind: str) -> wording.MessageKind:
    try:
        return wording.KINDS[kind]
    except KeyError:
        raise NotFound("没有这种提醒类型。") from None


def preview_wording(kind: str, subject: str, body: str) -> tuple[str, str]:
    """The wording rendered with sample values; unknown placeholders are refused with their names."""
    spec = message_kind(kind)
    _check_lengths(subject, body)
    wording.check_wording(spec, subject, body)
    return wording.render(subject, spec.sample), wording.render(body, spec.sample)


def _check_lengths(subject: str, body: str) -> None:
    if not subject.strip():
        raise ValidationFailed("标题不能为空。")
    if len(subject) > 200:
        raise ValidationFailed("标题不能超过 200 个字。")
    if not body.strip():
        raise ValidationFailed("正文不能为空。")
    if len(body) > 4000:
        raise ValidationFailed("正文不能超过 4000 个字。")


def save_wording(actor: User, kind: str, subject: str, body: str, version: str | None) -> MessageTemplate:
    preview_wording(kind, subject, body)
    row = db.session.scalar(select(MessageTemplate).where(MessageTemplate.kind == kind))
    if row is None:
        if version not in (None, ""):
            raise Conflict("该提醒的措辞刚被他人恢复为默认。请查看最新内容后重新保存；您填写的内容已保留。")
        row = MessageTemplate(kind=kind, subject=subject, body=body)
        db.session.add(row)
    else:
        expect_version(row, version, "该提醒的措辞")
        row.subject, row.body = subject, body
    db.session.flush()
    return row


def reset_wording(actor: User, kind: str) -> None:
    message_kind(kind)
    row = db.session.scalar(select(MessageTemplate).where(MessageTemplate.kind == kind))
    if row is not None:
        db.session.delete(row)
        db.session.flush()


# ── group webhooks ─────────────────────────────────────────────────────────────────────────────
def webhook_of(group: WorkingGroup) -> GroupWebhook | None:
    return db.session.scalar(select(GroupWebhook).where(GroupWebhook.group_id == group.id))


def set_group_webhook(actor: User, group: WorkingGroup, *, url: str, is_enabled: bool, version: str | None,
                      platform: str = "wecom", secret: str | None = None, clear_secret: bool = False,
                      mention_by_mobile: bool = True) -> GroupWebhook:
    """Save a group's robot. The address must pass ``robots.check_url`` (https, public addresses,
    or a host the operator allowed); ``secret`` None or "" keeps the stored 加签 secret."""
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationFailed("Webhook 地址不能超过 500 个字符。")
    if url:
        robots.check_url(url)
    if is_enabled and not url:
        raise ValidationFailed("启用群机器人前请先填写 Webhook 地址。")
    try:
        platform = robots.Platform(platform)
    except ValueError:
        raise ValidationFailed("请选择企业微信或钉钉。") from None
    secret = (secret or "").strip()
    if secret and platform != robots.Platform.DINGTALK:
        raise ValidationFailed("只有钉钉群机器人有加签密钥；企业微信群机器人请留空。")
    if len(secret) > 200 or any(ch.isspace() or not ch.isprintable() for ch in secret):
        raise ValidationFailed("加签密钥格式不正确：应为机器人安全设置中以 SEC 开头的一串字符。")
    hook = webhook_of(group)
    if hook is None:
        hook = GroupWebhook(group_id=group.id)
        db.session.add(hook)
    else:
        expect_version(hook, version, "该工作组的群机器人设置")
    hook.url, hook.is_enabled, hook.platform = url, is_enabled, platform.value
    hook.mention_by_mobile = mention_by_mobile
    if clear_secret or platform != robots.Platform.DINGTALK:
        hook.secret = ""
    elif secret:
        hook.secret = secret
    db.session.flush()
    return hook


# ── delivery log ───────────────────────────────────────────────────────────────────────────────
RESENDABLE = frozenset({DeliveryStatus.FAILED, DeliveryStatus.DEAD})


def resend_delivery(actor: User, delivery: Delivery) -> None:
    """Put a failed or abandoned delivery back in the outbox, to go out on the next tick."""
    if delivery.status not in RESENDABLE:
        raise InvalidTransition(f"只有“失败待重试”或“已放弃”的投递可以重发，这条投递当前是“{delivery.status.label}”。")
    claimed = db.session.execute(
        update(Delivery).where(and_(Delivery.id == delivery.id, Delivery.status.in_(RESENDABLE)))
        .values(status=DeliveryStatus.PENDING, next_attempt_at=timeutil.now(), attempts=0)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        raise Conflict("这条投递的状态刚刚发生了变化，请刷新后再试。")
    audit.record(db.session, "resend", delivery, actor=actor,
                 message=f"重发{delivery.channel.label}投递（通知 #{delivery.notification_id}）")
    db.session.expire(delivery)
