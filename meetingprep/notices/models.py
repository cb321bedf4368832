"""Notices (通知公告): what the secretariat sends to scopes of members and staff, with read receipts.

A notice names its scopes (全体委员, 常委, a 界别, a 讨论组, a sitting's expected members, a working group, all
staff). When it goes out — at once, or at its set time by the scheduler — the scopes are resolved into one
``NoticeRecipient`` row per person: the list is frozen then, so later roster changes do not rewrite who was
told, and each row carries its read receipt (``read_at``: the first time the person opened the notice) and its
reminder. Members on the roster without an account are recipients too: they can be told by SMS only.

Each recipient's message rides on a ``Notification`` (the inbox entry and the carrier of its e-mail and SMS
deliveries through the outbox), named by ``notification_id``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.timeutil import now


class NoticeCategory(LabeledEnum):
    DISCIPLINE = "discipline", "会议纪律要求"
    SCHEDULE = "schedule", "日程变更"
    REGISTRATION = "registration", "报到须知"
    GENERAL = "general", "其他通知"


class NoticeStatus(LabeledEnum):
    SCHEDULED = "scheduled", "定时待发"
    SENT = "sent", "已发送"
    CANCELLED = "cancelled", "已撤销"


class ScopeKind(LabeledEnum):
    """Who a notice goes to. ``ref_id``/``ref_text`` name the group, sitting or 界别 where one is needed."""

    ALL_MEMBERS = "all_members", "全体委员"
    STANDING = "standing", "常委"
    SECTOR = "sector", "界别"
    DISCUSSION_GROUP = "discussion_group", "讨论组"
    SITTING = "sitting", "会次应到委员"
    ALL_STAFF = "all_staff", "全体工作人员"
    WORKING_GROUP = "working_group", "工作组"


class Notice(Audited, Base):
    __tablename__ = "notices"
    __audit_label__ = "通知公告"
    __table_args__ = (Index("ix_notices_meeting_id_id", "meeting_id", "id"),
                      Index("ix_notices_status_send_at", "status", "send_at"),
                      Index("ix_notices_remind_at", "remind_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    category: Mapped[NoticeCategory] = mapped_column(enum_column(NoticeCategory), info={"label": "类别"})
    title: Mapped[str] = mapped_column(String(100), info={"label": "标题"})
    body: Mapped[str] = mapped_column(Text, info={"label": "正文"})
    #: The scopes as the page shows them ("全体委员、第一组"), written with the scopes.
    audience: Mapped[str] = mapped_column(String(500), default="", info={"label": "发送范围"})
    send_email: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "发送邮件"})
    send_sms: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "发送短信"})
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus), default=NoticeStatus.SCHEDULED,
                                                 info={"label": "状态"})
    #: When it goes (or went) out: the moment it was saved when sent at once.
    send_at: Mapped[dt.datetime] = mapped_column(info={"label": "发送时间"})
    sent_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "实际发送时间"})
    #: Recipients who have not read it this long after it went out are reminded once; None: no reminder.
    remind_after_hours: Mapped[int | None] = mapped_column(info={"label": "未读提醒（小时）"})
    #: sent_at + remind_after_hours, written when it goes out: what the scheduler's tick looks for.
    remind_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "未读提醒时刻"})
    reminded_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "未读提醒时间"})
    recipient_count: Mapped[int] = mapped_column(default=0, info={"label": "接收人数"})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                      info={"label": "发布人"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "撤销时间"})
    version_id: Mapped[int] = mapped_column(default=1)

    created_by = relationship("User", lazy="raise")
    scopes: Mapped[list[NoticeScope]] = relationship(cascade="all, delete-orphan", lazy="raise",
                                                     order_by="NoticeScope.id")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def is_sent(self) -> bool:
        return self.status == NoticeStatus.SENT

    @property
    def channels_label(self) -> str:
        return "、".join(["站内", *(["邮件"] if self.send_email else []), *(["短信"] if self.send_sms else [])])


class NoticeScope(Base):
    __tablename__ = "notice_scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ScopeKind] = mapped_column(enum_column(ScopeKind))
    ref_id: Mapped[int | None]
    ref_text: Mapped[str] = mapped_column(String(60), default="")
    label: Mapped[str] = mapped_column(String(200), default="")


class NoticeRecipient(Base):
    """One person a sent notice went to, with the targets it was sent to and the read receipt.

    A member with an account has both ids; a member without one only ``member_id``; staff only ``user_id``.
    ``phone`` and ``email`` are where the SMS and the e-mail went ("" when not sent that way)."""

    __tablename__ = "notice_recipients"
    __table_args__ = (
        UniqueConstraint("notice_id", "person_key"),
        Index("ix_notice_recipients_notice_id_read_at", "notice_id", "read_at"),
        Index("ix_notice_recipients_user_id_notice_id", "user_id", "notice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    #: "u<user id>" or "m<member id>": one row per person, whichever scopes named them.
    person_key: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member_profiles.id", ondelete="SET NULL"), index=True)
    is_member: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(64))
    #: 界别 of a member, the working groups of staff: what the receipts list shows beside the name.
    affiliation: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    #: A number staff can call (roster, else account), shown to the secretariat beside those it could not reach.
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"),
                                                        index=True)
    read_at: Mapped[dt.datetime | None]
    reminded_at: Mapped[dt.datetime | None]
    reminder_notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"))

    notice: Mapped[Notice] = relationship(lazy="raise")
    user = relationship("User", lazy="raise")


def unreachable(recipient, user):
    """SQL truth of "nothing reached this person and they cannot read it here": not read, no SMS and no e-mail
    sent to them, and no account that has ever been used to log in. ``user`` is the (outer-joined) account."""
    return and_(recipient.read_at.is_(None), recipient.phone == "", recipient.email == "",
                or_(recipient.user_id.is_(None), user.last_login_at.is_(None)))
