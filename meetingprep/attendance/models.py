"""Attendance (出勤): the roster, sittings, registration, check-ins, leave and frozen rolls.

A check-in is unique per (sitting, member): the database, not the application, guarantees that two
desks checking in the same member at once leave exactly one record.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.timeutil import now


class SittingKind(LabeledEnum):
    REGISTRATION = "registration", "报到/培训"
    STANDING = "standing", "常委会议"
    PREPARATORY = "preparatory", "预备会议"
    OPENING = "opening", "开幕大会"
    PLENARY = "plenary", "全体会议"
    GROUP = "group", "分组讨论"
    CLOSING = "closing", "闭幕大会"
    OTHER = "other", "其他"


class Expectation(LabeledEnum):
    """Who is expected (应到) at a sitting."""

    ALL = "all", "全体委员"
    STANDING = "standing", "常委"
    GROUPS = "groups", "指定讨论组"
    LISTED = "listed", "指定名单"


class CheckInMethod(LabeledEnum):
    DESK = "desk", "签到台"
    QR = "qr", "扫码"
    BULK = "bulk", "批量补录"
    CORRECTION = "correction", "更正"


class LeaveStatus(LabeledEnum):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class RollStatus(LabeledEnum):
    """A member's status at a sitting. Late counts as present (迟到也算出席)."""

    PRESENT = "present", "出席"
    LATE = "late", "迟到"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


def shown_status(status: str, begun: bool) -> str:
    """A status as a sign-in sheet prints it: before the sitting begins nobody is 缺席 yet (blank), while
    an approved leave is already known."""
    if not begun and status == RollStatus.ABSENT:
        return ""
    return RollStatus(status).label


class DiscussionGroup(Audited, Base):
    __tablename__ = "discussion_groups"
    __audit_label__ = "分组讨论组"
    __table_args__ = (UniqueConstraint("meeting_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60), info={"label": "组名"})
    sort_order: Mapped[int] = mapped_column(default=0, info={"label": "排序"})


class MemberProfile(Audited, Base):
    """One row of the roster (委员名册) of one meeting, optionally linked to a member's account."""

    __tablename__ = "member_profiles"
    __audit_label__ = "委员"
    __audit_exclude__ = frozenset({"version_id", "pinyin", "initials"})
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_no"),
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_member_profiles_meeting_id_initials", "meeting_id", "initials"),
        Index("ix_member_profiles_meeting_id_pinyin", "meeting_id", "pinyin"),
        Index("ix_member_profiles_meeting_id_sector", "meeting_id", "sector"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True,
                                                info={"label": "登录账号"})
    member_no: Mapped[str] = mapped_column(String(20), info={"label": "委员编号"})
    name: Mapped[str] = mapped_column(String(40), info={"label": "姓名"})
    pinyin: Mapped[str] = mapped_column(String(160), default="")      # "zhangsan": the desk's search key
    initials: Mapped[str] = mapped_column(String(40), default="")     # "zs"
    sector: Mapped[str] = mapped_column(String(40), default="", info={"label": "界别"})
    committee: Mapped[str] = mapped_column(String(60), default="", info={"label": "专委会"})
    discussion_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="SET NULL"), index=True, info={"label": "分组讨论组"})
    is_standing: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "常委"})
    unit: Mapped[str] = mapped_column(String(120), default="", info={"label": "工作单位"})
    position: Mapped[str] = mapped_column(String(120), default="", info={"label": "职务"})
    phone: Mapped[str] = mapped_column(String(32), default="", info={"label": "手机"})
    #: Where the member sits at sittings seated by area (``Sitting.seated``), e.g. "一楼 A 区 3 排".
    seat_area: Mapped[str] = mapped_column(String(40), default="", info={"label": "座区"})
    # Bumped to revoke the personal check-in code; the signed token carries the generation.
    qr_generation: Mapped[int] = mapped_column(default=1, info={"label": "签到码版本"})
    version_id: Mapped[int] = mapped_column(default=1)

    discussion_group: Mapped[DiscussionGroup | None] = relationship(lazy="raise")
    user = relationship("User", lazy="raise")

    __mapper_args__ = {"version_id_col": version_id}

    def audit_title(self) -> str:
        return f"{self.name}（{self.member_no}）"


class Sitting(Audited, Base):
    """A sitting (会次/场次) of the meeting: who is expected, when, where; closed = roll frozen."""

    __tablename__ = "sittings"
    __audit_label__ = "会次"
    __table_args__ = (Index("ix_sittings_meeting_id_starts_at", "meeting_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    kind: Mapped[SittingKind] = mapped_column(enum_column(SittingKind), info={"label": "类别"})
    name: Mapped[str] = mapped_column(String(120), info={"label": "名称"})
    starts_at: Mapped[dt.datetime] = mapped_column(info={"label": "开始时间"})
    ends_at: Mapped[dt.datetime] = mapped_column(info={"label": "结束时间"})
    venue: Mapped[str] = mapped_column(String(120), default="", info={"label": "地点"})
    expectation: Mapped[Expectation] = mapped_column(enum_column(Expectation), default=Expectation.ALL,
                                                     info={"label": "应到范围"})
    late_grace_minutes: Mapped[int] = mapped_column(default=10, info={"label": "迟到宽限（分钟）"})
    #: Members sit in their own 座区 (MemberProfile.seat_area): their schedule shows it.
    seated: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "按座区入座"})
    #: What to bring and know (委员证、会议材料、着装…), shown on each expected member's schedule.
    bring_note: Mapped[str] = mapped_column(String(500), default="", info={"label": "携带物品及须知"})
    closed_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "结束签到时间"})
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                     info={"label": "结束签到人"})
    version_id: Mapped[int] = mapped_column(default=1)

    expected_groups: Mapped[list[SittingExpectedGroup]] = relationship(
        cascade="all, delete-orphan", lazy="raise")
    expected_members: Mapped[list[SittingExpectedMember]] = relationship(
        cascade="all, delete-orphan", lazy="raise")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def late_after(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.late_grace_minutes)

    def has_begun(self, moment: dt.datetime) -> bool:
        return moment >= self.starts_at

    def is_under_way(self, moment: dt.datetime, opens_before: dt.timedelta) -> bool:
        return not self.is_closed and self.starts_at - opens_before <= moment <= self.ends_at


class SittingExpectedGroup(Base):
    __tablename__ = "sitting_expected_groups"
    __table_args__ = (UniqueConstraint("sitting_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("discussion_groups.id", ondelete="CASCADE"), index=True)


class SittingExpectedMember(Base):
    __tablename__ = "sitting_expected_members"
    __table_args__ = (UniqueConstraint("sitting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member_profiles.id", ondelete="CASCADE"), index=True)


class Registration(Audited, Base):
    """报到: the member has arrived for the meeting as a whole (once)."""

    __tablename__ = "registrations"
    __audit_label__ = "报到"
    __table_args__ = (UniqueConstraint("member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member_profiles.id", ondelete="CASCADE"), info={"label": "委员"})
    registered_at: Mapped[dt.datetime] = mapped_column(default=now, info={"label": "报到时间"})
    method: Mapped[CheckInMethod] = mapped_column(enum_column(CheckInMethod), info={"label": "方式"})
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                            info={"label": "经办人"})

    def audit_title(self) -> str:
        return f"委员 #{self.member_id} 报到"


class CheckIn(Audited, Base):
    """签到 at one sitting. UNIQUE(sitting_id, member_id): the first check-in stands."""

    __tablename__ = "check_ins"
    __audit_label__ = "签到"
    __table_args__ = (UniqueConstraint("sitting_id", "member_id"),
                      Index("ix_check_ins_member_id", "member_id"),
                      # The desk's live counts (签到/迟到 of one sitting) read this index alone.
                      Index("ix_check_ins_sitting_id_is_late", "sitting_id", "is_late"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), info={"label": "会次"})
    member_id: Mapped[int] = mapped_column(ForeignKey("member_profiles.id", ondelete="CASCADE"), info={"label": "委员"})
    checked_in_at: Mapped[dt.datetime] = mapped_column(info={"label": "签到时间"})
    method: Mapped[CheckInMethod] = mapped_column(enum_column(CheckInMethod), info={"label": "方式"})
    is_late: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "迟到"})
    was_expected: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": "应到"})
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                            info={"label": "经办人"})

    def audit_title(self) -> str:
        return f"委员 #{self.member_id} @ 会次 #{self.sitting_id}"


class LeaveRequest(Audited, Base):
    __tablename__ = "leave_requests"
    __audit_label__ = "请假"
    __table_args__ = (Index("ix_leave_requests_meeting_id_status", "meeting_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member_profiles.id", ondelete="CASCADE"), index=True,
                                           info={"label": "委员"})
    reason: Mapped[str] = mapped_column(Text, info={"label": "请假事由"})
    status: Mapped[LeaveStatus] = mapped_column(enum_column(LeaveStatus), default=LeaveStatus.PENDING,
                                                info={"label": "状态"})
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                        info={"label": "提交人"})
    requested_at: Mapped[dt.datetime] = mapped_column(default=now, info={"label": "提交时间"})
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                      info={"label": "审批人"})
    decided_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "审批时间"})
    decision_note: Mapped[str] = mapped_column(String(500), default="", info={"label": "审批意见"})
    version_id: Mapped[int] = mapped_column(default=1)

    member: Mapped[MemberProfile] = relationship(lazy="raise")
    sittings: Mapped[list[Sitting]] = relationship(secondary="leave_request_sittings", lazy="raise",
                                                   order_by="Sitting.starts_at")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="raise")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="raise")

    __mapper_args__ = {"version_id_col": version_id}

    def audit_title(self) -> str:
        return f"请假申请 #{self.id}"


class LeaveRequestSitting(Base):
    __tablename__ = "leave_request_sittings"
    __table_args__ = (UniqueConstraint("leave_request_id", "sitting_id"),
                      Index("ix_leave_request_sittings_sitting_id", "sitting_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    leave_request_id: Mapped[int] = mapped_column(ForeignKey("leave_requests.id", ondelete="CASCADE"))
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"))


class SittingRollEntry(Base):
    """The frozen roll of a closed sitting: a snapshot that later roster changes do not touch."""

    __tablename__ = "sitting_roll_entries"
    __table_args__ = (UniqueConstraint("sitting_id", "member_no"),
                      # A closed sitting's counts and each status tab (in member-number order) read this index.
                      Index("ix_sitting_roll_entries_sitting_id_status", "sitting_id", "was_expected", "status",
                            "member_no"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member_profiles.id", ondelete="SET NULL"),
                                                  index=True)
    member_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    sector: Mapped[str] = mapped_column(String(40), default="")
    group_name: Mapped[str] = mapped_column(String(60), default="")
    was_expected: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[RollStatus] = mapped_column(enum_column(RollStatus))
    checked_in_at: Mapped[dt.datetime | None]


class SittingTally(Base):
    """A closed sitting's counts per (界别, 讨论组), written whenever its frozen roll is written: the
    meeting's figures add these few rows up instead of reading every member's entry at every sitting."""

    __tablename__ = "sitting_tallies"
    __table_args__ = (UniqueConstraint("sitting_id", "sector", "group_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"))
    sector: Mapped[str] = mapped_column(String(40))
    group_name: Mapped[str] = mapped_column(String(60))
    expected: Mapped[int]
    present: Mapped[int]
    late: Mapped[int]
    leave: Mapped[int]
    absent: Mapped[int]
    extra: Mapped[int]


class SittingTotal(Base):
    """A closed sitting's counts in one row, written with its tallies: the pages that list every sitting read
    one row per closed sitting instead of adding up its hundreds of 界别 × 讨论组 tallies each time."""

    __tablename__ = "sitting_totals"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), primary_key=True)
    expected: Mapped[int]
    present: Mapped[int]
    late: Mapped[int]
    leave: Mapped[int]
    absent: Mapped[int]
    extra: Mapped[int]


class CheckinDuty(Audited, Base):
    """The secretariat names who runs check-in: for one sitting, or (sitting_id NULL) the whole meeting."""

    __tablename__ = "checkin_duties"
    __audit_label__ = "签到值守"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", "sitting_id"),
                      Index("ix_checkin_duties_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info={"label": "值守人员"})
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"),
                                                   info={"label": "会次"})

    user = relationship("User", lazy="raise")
    sitting: Mapped[Sitting | None] = relationship(lazy="raise")

    def audit_title(self) -> str:
        return f"签到值守 用户 #{self.user_id}"


class LeaveApprover(Audited, Base):
    """A leader the secretariat names to decide the meeting's leave requests besides the secretariat
    (permissions: ``attendance.leave.decide``)."""

    __tablename__ = "leave_approvers"
    __audit_label__ = "请假审批领导"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"), Index("ix_leave_approvers_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info={"label": "审批领导"})

    user = relationship("User", lazy="raise")

    def audit_title(self) -> str:
        return f"请假审批领导 用户 #{self.user_id}"


class FollowUpOutcome(LabeledEnum):
    """How the secretariat closed a follow-up of an absence without leave."""

    CONTACTED = "contacted", "已联系"
    EXCUSED = "excused", "补假"
    UNEXCUSED = "unexcused", "无故缺席"


class AbsenceFollowUp(Audited, Base):
    """An expected member absent without approved leave when a sitting's roll froze: the secretariat follows
    up and records how it ended, with a note. Written from the frozen roll (``follow_up.sync_follow_ups``);
    the name and 界别 are the roll's, so the item stays readable if the member leaves the roster."""

    __tablename__ = "absence_follow_ups"
    __audit_label__ = "缺席跟进"
    __table_args__ = (UniqueConstraint("sitting_id", "member_no"),
                      Index("ix_absence_follow_ups_meeting_id_resolved_at", "meeting_id", "resolved_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), info={"label": "会次"})
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member_profiles.id", ondelete="SET NULL"),
                                                  index=True, info={"label": "委员"})
    member_no: Mapped[str] = mapped_column(String(20), info={"label": "委员编号"})
    name: Mapped[str] = mapped_column(String(40), info={"label": "姓名"})
    sector: Mapped[str] = mapped_column(String(40), default="", info={"label": "界别"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now, info={"label": "生成时间"})
    outcome: Mapped[FollowUpOutcome | None] = mapped_column(enum_column(FollowUpOutcome), info={"label": "处理结果"})
    note: Mapped[str] = mapped_column(String(500), default="", info={"label": "处理说明"})
    resolved_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "处理时间"})
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                       info={"label": "处理人"})
    version_id: Mapped[int] = mapped_column(default=1)

    sitting: Mapped[Sitting] = relationship(lazy="raise")
    member: Mapped[MemberProfile | None] = relationship(lazy="raise")
    resolved_by = relationship("User", lazy="raise")

    __mapper_args__ = {"version_id_col": version_id}

    @hybrid_property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        return cls.resolved_at.is_(None)

    def audit_title(self) -> str:
        return f"{self.name}（{self.member_no}）缺席跟进"
