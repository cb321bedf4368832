"""Sitting reminders: the members expected at a sitting and the staff on check-in duty, N hours before.

``SITTING_REMINDER_HOURS`` (default 2; 0 turns them off). A member on approved leave for the sitting
is not reminded. Once per sitting, person and start time: a sitting moved to a new time reminds again.
A sitting that has already started is never reminded (after downtime there is nothing left to say).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import and_, or_, select

from meetingprep import timeutil
from meetingprep.attendance.models import CheckinDuty, MemberProfile, Sitting
from meetingprep.attendance.queries import approved_leave_clause, expected_clause
from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.notifications.rules import DueItem, ReminderRule, ScanContext, register_rule
from meetingprep.notifications.wording import MessageKind, register_kind

_FIELDS = ("会次", "开始时间", "地点", "剩余", "姓名", "链接")
_SAMPLE = {"会次": "第一次全体会议", "开始时间": "2027年1月12日 周二 09:00", "地点": "市会议中心大礼堂",
           "剩余": "2小时", "姓名": "王芳", "链接": "http://127.0.0.1:5000/attendance/me"}

MEMBER_KIND = register_kind(MessageKind(
    "attendance.sitting", "会次提醒（应到委员，会前）",
    "【会议提醒】{会次}将于{开始时间}开始",
    "{姓名}委员：{会次}将于{开始时间}在{地点}开始（还有{剩余}），请按时出席、签到。如不能出席，请及时请假。{链接}",
    _FIELDS, _SAMPLE))
DUTY_KIND = register_kind(MessageKind(
    "attendance.sitting.duty", "会次提醒（签到值守人员，会前）",
    "【签到值守】{会次}将于{开始时间}开始",
    "{姓名}：您负责{会次}（{开始时间}，{地点}）的签到工作，还有{剩余}开始，请提前到岗并打开签到台。{链接}",
    _FIELDS, {**_SAMPLE, "姓名": "李四", "链接": "http://127.0.0.1:5000/attendance/sittings/3/desk"}))


def _window(ctx: ScanContext) -> dt.timedelta | None:
    hours = float(current_app.config["SITTING_REMINDER_HOURS"])
    return dt.timedelta(hours=hours) if hours > 0 else None


def _upcoming(ctx: ScanContext, window: dt.timedelta):
    """Sittings not yet begun that start within the window: their reminder moment has passed."""
    return (Sitting.closed_at.is_(None), Sitting.starts_at > ctx.now, Sitting.starts_at <= ctx.now + window)


def _values(row, ctx: ScanContext, name: str, link: str) -> dict[str, str]:
    return {"会次": row.name, "开始时间": timeutil.format_datetime(row.starts_at),
            "地点": row.venue or "（见会议通知）", "剩余": timeutil.humanize_delta(row.starts_at - ctx.now),
            "姓名": name, "链接": link}


def collect_members(ctx: ScanContext) -> Iterable[DueItem]:
    """One query: (sitting, member account) pairs where the member is expected and not on approved leave."""
    window = _window(ctx)
    if window is None:
        return
    rows = db.session.execute(
        select(Sitting.id, Sitting.meeting_id, Sitting.name, Sitting.starts_at, Sitting.venue,
               User.id.label("user_id"), MemberProfile.name.label("member_name"))
        .join(MemberProfile, MemberProfile.meeting_id == Sitting.meeting_id)
        .join(User, User.id == MemberProfile.user_id)
        .where(*_upcoming(ctx, window), User.is_active_account, expected_clause(),
               ~approved_leave_clause(Sitting.id, MemberProfile.id)))
    for row in rows:
        link = "/attendance/me"
        yield DueItem("attendance.sitting", "sitting", row.id, row.user_id, row.member_name,
                      row.starts_at - window, _values(row, ctx, row.member_name, link), link, row.meeting_id)


def collect_duty_staff(ctx: ScanContext) -> Iterable[DueItem]:
    """One query: staff on duty for the sitting, or for the whole meeting (their duty covers every sitting)."""
    window = _window(ctx)
    if window is None:
        return
    rows = db.session.execute(
        select(Sitting.id, Sitting.meeting_id, Sitting.name, Sitting.starts_at, Sitting.venue,
               User.id.label("user_id"), User.display_name).distinct()
        .join(CheckinDuty, and_(CheckinDuty.meeting_id == Sitting.meeting_id,
                                or_(CheckinDuty.sitting_id == Sitting.id, CheckinDuty.sitting_id.is_(None))))
        .join(User, User.id == CheckinDuty.user_id)
        .where(*_upcoming(ctx, window), User.is_active_account))
    for row in rows:
        link = f"/attendance/sittings/{row.id}/desk"
        yield DueItem("attendance.sitting.duty", "sitting", row.id, row.user_id, row.display_name,
                      row.starts_at - window, _values(row, ctx, row.display_name, link), link, row.meeting_id)


register_rule(ReminderRule("attendance.sitting", MEMBER_KIND.kind, "会次提醒（应到委员）", collect_members))
register_rule(ReminderRule("attendance.sitting.duty", DUTY_KIND.kind, "会次提醒（签到值守）", collect_duty_staff))
