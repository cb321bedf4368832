from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.timeutil import now


class Notification(Base):
    """One message to one person. ``dedup_key`` (rule, object, recipient, due moment) is unique:
    the same reminder can never be created twice, whichever process or restart tries.

    ``recipient_id`` is None only for a message to someone without an account (a member on the roster who
    never got one, told by SMS of a notice): it carries that person's deliveries and is in nobody's inbox."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient_id_read_at", "recipient_id", "read_at"),
                      Index("ix_notifications_recipient_id_id", "recipient_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    is_escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    read_at: Mapped[dt.datetime | None]

    recipient = relationship("User", lazy="raise")

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Channel(LabeledEnum):
    """Push channels. The in-app inbox is the Notification row itself and needs no delivery."""

    EMAIL = "email", "电子邮件"
    WEBHOOK = "webhook", "工作组群机器人"
    SMS = "sms", "短信"


class DeliveryStatus(LabeledEnum):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "失败待重试"
    DEAD = "dead", "已放弃"


class Delivery(Base):
    """One notification on one channel to one destination, with the outcome of its attempts.

    Unique per (notification, channel, target): a message is sent at most once per destination,
    whoever runs the outbox. ``target`` is the e-mail address, the working group id of a webhook or the
    mobile number of an SMS.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", "target"),
        Index("ix_notification_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    target: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=now)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    # A long robot message goes out in several parts: the ones already accepted are never posted again.
    parts_sent: Mapped[int] = mapped_column(default=0, server_default="0")

    notification: Mapped[Notification] = relationship(lazy="raise")


class RobotPost(Base):
    """One message a group robot accepted, kept for a while: the per-robot rate window (20 a minute)
    is counted from these rows, so it holds across restarts and whichever process sends.

    ``robot_key`` names the robot by its address (two groups may share one robot)."""

    __tablename__ = "robot_posts"
    __table_args__ = (Index("ix_robot_posts_robot_key_posted_at", "robot_key", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    robot_key: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[dt.datetime] = mapped_column(default=now)


class ReminderLog(Base):
    """A reminder that has been given: (rule, object, recipient, due moment) can fire only once.

    The scan inserts these with ON CONFLICT DO NOTHING and only notifies about the rows it actually
    inserted, so restarts and a second scheduler never produce duplicates.
    """

    __tablename__ = "reminder_logs"
    __table_args__ = (
        UniqueConstraint("rule", "object_type", "object_id", "recipient_id", "due_moment"),
        Index("ix_reminder_logs_due_moment", "due_moment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_moment: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=now)


class NotificationPreference(Base):
    """A person's channels and quiet hours; absent means the defaults (e-mail on, webhook off,
    quiet 22:00–07:00)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    webhook_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[dt.time] = mapped_column(Time, default=dt.time(22, 0))
    quiet_end: Mapped[dt.time] = mapped_column(Time, default=dt.time(7, 0))
    updated_at: Mapped[dt.datetime] = mapped_column(default=now, onupdate=now)


class GroupWebhook(Audited, Base):
    """A working group's chat robot (WeCom or DingTalk), off until the secretariat turns it on."""

    __tablename__ = "group_webhooks"
    __audit_label__ = "工作组群机器人"
    __audit_exclude__ = frozenset({"version_id", "secret"})

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(500), default="", info={"label": "Webhook 地址"})
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "启用"})
    platform: Mapped[str] = mapped_column(String(20), default="wecom", server_default="wecom",
                                          info={"label": "平台"})
    # DingTalk 加签 secret ("SEC…"); never written to the audit trail.
    secret: Mapped[str] = mapped_column(String(200), default="", server_default="", info={"label": "加签密钥"})
    mention_by_mobile: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1",
                                                    info={"label": "按手机号 @ 提醒对象"})
    version_id: Mapped[int] = mapped_column(default=1)

    group = relationship("WorkingGroup", lazy="raise")

    __mapper_args__ = {"version_id_col": version_id}

    def audit_title(self) -> str:
        return f"工作组 #{self.group_id} 群机器人"


class MessageTemplate(Audited, Base):
    """The secretariat's wording of one reminder kind; absent means the built-in default."""

    __tablename__ = "message_templates"
    __audit_label__ = "提醒措辞"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), unique=True, info={"label": "提醒类型"})
    subject: Mapped[str] = mapped_column(String(200), info={"label": "标题"})
    body: Mapped[str] = mapped_column(Text, info={"label": "正文"})
    updated_at: Mapped[dt.datetime] = mapped_column(default=now, onupdate=now)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    def audit_title(self) -> str:
        return self.kind


class JobRun(Base):
    """Last outcome of each scheduler job, written by the job wrapper (shown on the admin page)."""

    __tablename__ = "scheduler_job_runs"

    job_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    succeeded: Mapped[bool | None] = mapped_column(Boolean)
    message: Mapped[str] = mapped_column(String(500), default="")
    run_count: Mapped[int] = mapped_column(default=0)
