"""The outbox: send due deliveries, claim-before-send, retry failures with exponential backoff.

Claiming is one conditional UPDATE per delivery (``… WHERE status IN ('pending','failed') AND
next_attempt_at <= now``, or a "sending" row whose lease ran out) whose rowcount says whether this
process won it; the claim is committed before anything leaves the building, so two outbox runners
never send the same delivery. Then the message is sent and the outcome committed.

A crash between "sent" on the wire and the commit of ``sent`` leaves the row "sending"; after the
lease it is tried again. That makes the SMTP/webhook boundary at-least-once, and no better is
possible: neither an SMTP server nor a chat robot takes part in our transaction or accepts an
idempotency key, so "did it arrive?" is unknowable after such a crash. Everywhere else — creating
messages, claiming, retrying — it is exactly once, guarded by unique constraints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import joinedload

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.notifications import channels, robots, sms
from meetingprep.notifications.models import Channel, Delivery, DeliveryStatus, GroupWebhook, RobotPost

log = logging.getLogger(__name__)

RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
ROBOT_POSTS_KEPT = dt.timedelta(hours=1)  # far more than the rate window needs


@dataclass
class OutboxResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    queued: int = 0  # a group robot at its rate limit: waits for its next free minute, not a failure

    def __str__(self) -> str:
        text = f"发送 {self.sent}，失败 {self.failed}，放弃 {self.dead}"
        return f"{text}，排队 {self.queued}" if self.queued else text


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failure, capped (DELIVERY_BACKOFF_* settings)."""
    base = current_app.config["DELIVERY_BACKOFF_SECONDS"]
    cap = current_app.config["DELIVERY_BACKOFF_MAX_SECONDS"]
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claimable(moment: dt.datetime):
    lease = dt.timedelta(seconds=current_app.config["DELIVERY_LEASE_SECONDS"])
    return or_(
        and_(Delivery.status.in_(RETRYABLE), Delivery.next_attempt_at <= moment),
        and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < moment - lease),
    )


def _claim(delivery_id: int, moment: dt.datetime) -> bool:
    won = db.session.execute(
        update(Delivery).where(Delivery.id == delivery_id, _claimable(moment))
        .values(status=DeliveryStatus.SENDING, claimed_at=moment, attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()  # the claim is visible to every other runner before we send
    return bool(won)


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        if not channels.email_configured():
            raise channels.DeliveryError("邮件服务器未配置（MAIL_HOST 为空）。")
        channels.send_email(delivery.target, notification.subject, notification.body, notification.link)
    elif delivery.channel == Channel.WEBHOOK:
        _send_to_robot(delivery, notification)
    elif delivery.channel == Channel.SMS:
        # An account-less recipient cannot follow a link that asks for a login: their text is the whole message.
        link = channels.absolute_link(notification.link) if notification.recipient_id is not None else ""
        sms.send_sms(delivery.target, sms.message_text(notification.subject, notification.body, link),
                     msgid=f"meetingprep-{delivery.id}", now=timeutil.now())


def robot_key(url: str) -> str:
    """A robot's name in the rate window: its address (the key/access_token is in it)."""
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()


def robot_free_at(key: str, moment: dt.datetime) -> dt.datetime | None:
    """None when the robot may take a message at ``moment``; else when its window has room again."""
    window = list(db.session.scalars(
        select(RobotPost.posted_at).where(RobotPost.robot_key == key, RobotPost.posted_at > moment - robots.RATE_WINDOW)
        .order_by(RobotPost.posted_at)))
    if len(window) < robots.RATE_PER_MINUTE:
        return None
    return window[len(window) - robots.RATE_PER_MINUTE] + robots.RATE_WINDOW


def _mobile_of(user_id: int) -> str | None:
    """The person's mobile number from their account, else from the roster (a member's row)."""
    from meetingprep.attendance.models import MemberProfile

    mobile = robots.mobile_number(db.session.scalar(select(User.phone).where(User.id == user_id)))
    if mobile is None:
        phones = db.session.scalars(select(MemberProfile.phone).where(MemberProfile.user_id == user_id)
                                    .order_by(MemberProfile.id.desc()))
        mobile = next(filter(None, map(robots.mobile_number, phones)), None)
    return mobile


def _send_to_robot(delivery: Delivery, notification) -> None:
    """Post the message's parts not yet accepted, each within the robot's rate window; each accepted
    part is committed at once, so a failure or a full window later resumes after it."""
    hook = db.session.scalar(select(GroupWebhook).where(GroupWebhook.group_id == int(delivery.target)))
    if hook is None or not hook.is_enabled or not hook.url:
        raise channels.DeliveryError("该工作组的群机器人已停用或未设置地址。")
    url, secret, platform = hook.url, hook.secret, robots.Platform(hook.platform)
    mobile = _mobile_of(notification.recipient_id) if hook.mention_by_mobile else None
    message = robots.Message(notification.subject, notification.body, channels.absolute_link(notification.link),
                             (mobile,) if mobile else ())
    payloads = robots.build_payloads(platform, message, current_app.config["ROBOT_MAX_PARTS"])
    key = robot_key(url)
    for payload in payloads[delivery.parts_sent:]:
        moment = timeutil.now()
        free_at = robot_free_at(key, moment)
        if free_at is not None:
            raise robots.Throttled(f"群机器人每分钟最多发送 {robots.RATE_PER_MINUTE} 条，已排队，"
                                   f"{timeutil.format_time(free_at)} 后发送。", free_at)
        robots.post(url, payload, platform=platform, secret=secret, now=moment)
        db.session.add(RobotPost(robot_key=key, posted_at=moment))
        delivery.parts_sent += 1
        db.session.commit()


def deliver_due(limit: int = 200) -> OutboxResult:
    """Send what is due now; every claim and every outcome is its own committed unit of work."""
    result = OutboxResult()
    moment = timeutil.now()
    max_attempts = current_app.config["DELIVERY_MAX_ATTEMPTS"]
    db.session.execute(delete(RobotPost).where(RobotPost.posted_at < moment - ROBOT_POSTS_KEPT))
    due_ids = list(db.session.scalars(
        select(Delivery.id).where(_claimable(moment)).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)))
    db.session.commit()
    for delivery_id in due_ids:
        if not _claim(delivery_id, moment):
            continue  # another runner has it
        delivery = db.session.scalar(select(Delivery).options(joinedload(Delivery.notification))
                                     .where(Delivery.id == delivery_id))
        try:
            _send(delivery)
        except robots.Throttled as error:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = error.until
            delivery.attempts = max(0, delivery.attempts - 1)  # waiting for the robot's window is no failure
            delivery.last_error = str(error)[:500]
            result.queued += 1
        except Exception as error:  # any failure of one delivery is recorded on it, never stops the round
            if not isinstance(error, channels.DeliveryError):
                log.exception("delivery %s raised unexpectedly", delivery.id)
            delivery.last_error = str(error)[:500] or type(error).__name__
            if delivery.attempts >= max_attempts:
                delivery.status = DeliveryStatus.DEAD
                result.dead += 1
                log.warning("delivery %s abandoned after %s attempts: %s", delivery.id, delivery.attempts, error)
            else:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = timeutil.now() + backoff(delivery.attempts)
                result.failed += 1
                log.info("delivery %s failed (attempt %s): %s", delivery.id, delivery.attempts, error)
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timeutil.now()
            delivery.last_error = ""
            result.sent += 1
        db.session.commit()
    return result

