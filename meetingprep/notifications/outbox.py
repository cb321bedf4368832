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
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from meetingprep import timeutil
from meetingprep.extensions import db
from meetingprep.notifications import channels
from meetingprep.notifications.models import Channel, Delivery, DeliveryStatus, GroupWebhook

log = logging.getLogger(__name__)

RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


@dataclass
class OutboxResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0

    def __str__(self) -> str:
        return f"发送 {self.sent}，失败 {self.failed}，放弃 {self.dead}"


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
        hook = db.session.scalar(select(GroupWebhook).where(GroupWebhook.group_id == int(delivery.target)))
        if hook is None or not hook.is_enabled or not hook.url:
            raise channels.DeliveryError("该工作组的群机器人已停用或未设置地址。")
        channels.post_webhook(hook.url, notification.subject, notification.body, notification.link)


def deliver_due(limit: int = 200) -> OutboxResult:
    """Send what is due now; every claim and every outcome is its own committed unit of work."""
    result = OutboxResult()
    moment = timeutil.now()
    max_attempts = current_app.config["DELIVERY_MAX_ATTEMPTS"]
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

