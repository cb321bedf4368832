"""Demo notices: two sent ones — 会议纪律要求 to every member and all staff, 报到须知 to every member —
with receipts: most people have opened the first, about half the second (its unread reminder is set)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.notices import services
from meetingprep.notices.models import Notice, NoticeCategory, NoticeRecipient, ScopeKind
from meetingprep.notifications.models import Notification

DISCIPLINE = """各位委员、各位工作人员：
为保证大会顺利进行，请遵守以下会议纪律：
一、按时出席各次会议，提前 15 分钟入场，凭委员证签到；因故不能出席的，须事先向大会秘书处请假。
二、会场内请将手机调至静音，不得随意走动、交谈。
三、分组讨论时围绕议题发言，每次发言一般不超过 10 分钟。
四、严格遵守中央八项规定精神，不搞迎来送往。
大会秘书处"""
REGISTRATION = """各位委员：
一、报到时间：开幕前一日 9:00—18:00。
二、报到地点：攀枝花市会议中心一楼大厅报到处。
三、报到时请出示身份证或“我的签到码”，领取委员证、会议材料和餐券。
四、住宿安排在驻地宾馆，报到后凭房卡入住。
如有疑问请致电大会秘书处。"""


def _backdate(notice: Notice, sent_at: dt.datetime) -> None:
    notice.send_at = notice.sent_at = notice.created_at = sent_at
    if notice.remind_after_hours:
        notice.remind_at = sent_at + dt.timedelta(hours=notice.remind_after_hours)
    db.session.execute(update(Notification).where(Notification.dedup_key.startswith(f"notice:{notice.id}:"))
                       .values(created_at=sent_at).execution_options(synchronize_session=False))


def _read_some(ctx: DemoContext, notice: Notice, share: float) -> None:
    """About ``share`` of those with an account opened it within a day; their inbox messages are read too."""
    rows = db.session.execute(select(NoticeRecipient.id, NoticeRecipient.notification_id).where(
        NoticeRecipient.notice_id == notice.id, NoticeRecipient.user_id.is_not(None))
        .order_by(NoticeRecipient.id)).all()
    receipts, messages = [], []
    for receipt_id, notification_id in rows:
        if ctx.rng.random() < share:
            read_at = min(notice.sent_at + dt.timedelta(minutes=ctx.rng.randint(3, 20 * 60)),
                          ctx.now - dt.timedelta(minutes=1))
            receipts.append({"id": receipt_id, "read_at": read_at})
            if notification_id is not None:
                messages.append({"id": notification_id, "read_at": read_at})
    if receipts:
        db.session.execute(update(NoticeRecipient), receipts)
    if messages:
        db.session.execute(update(Notification), messages)


def seed(ctx: DemoContext) -> None:
    if not ctx.secretariat:
        return
    ctx.progress("通知公告")
    actor = ctx.secretariat[0]
    discipline = services.create_notice(actor, ctx.meeting, services.NoticeData(
        category=NoticeCategory.DISCIPLINE, title="关于大会会议纪律的通知", body=DISCIPLINE,
        scopes=[services.ScopeChoice(ScopeKind.ALL_MEMBERS), services.ScopeChoice(ScopeKind.ALL_STAFF)]))
    _backdate(discipline, ctx.now - dt.timedelta(days=3, hours=2))
    registration = services.create_notice(actor, ctx.meeting, services.NoticeData(
        category=NoticeCategory.REGISTRATION, title="大会报到须知", body=REGISTRATION,
        scopes=[services.ScopeChoice(ScopeKind.ALL_MEMBERS)], remind_after_hours=48))
    _backdate(registration, ctx.now - dt.timedelta(hours=20))
    db.session.flush()
    _read_some(ctx, discipline, 0.8)
    _read_some(ctx, registration, 0.45)
    db.session.flush()
