"""Review reminders: whom a stage waits on is told when it starts, and again when its time runs out.

The first message is sent by the services the moment a stage (re)starts or a sequential stage moves
to its next reviewer (``services._notify_pending``, kind ``document.review``); this module only gives
it an editable wording. The second is a reminder rule: a current stage past its time allowance
reminds each reviewer still to decide, once per stage, reviewer and due moment (a stage that starts
over on a new version has a new due moment, so its reviewers are reminded again if it runs out again).
No escalation: the secretariat sees overdue reviews on the dashboard and in the daily digest.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.documents.queries import overdue_stages
from meetingprep.extensions import db
from meetingprep.notifications.rules import DueItem, ReminderRule, ScanContext, register_rule
from meetingprep.notifications.wording import MessageKind, register_kind

_FIELDS = ("材料", "阶段", "稿次", "时限", "截止时间", "超时", "链接")
_SAMPLE = {"材料": "政协攀枝花市委员会常务委员会工作报告", "阶段": "秘书长审核", "稿次": "3", "时限": "2",
           "截止时间": "2027年1月8日 周五 17:00", "超时": "1天2小时", "链接": "http://127.0.0.1:5000/documents/7"}

REVIEW_KIND = register_kind(MessageKind(
    "document.review", "材料待审核（阶段开始时，审核人）",
    "待您审核：{材料}（{阶段}）",
    "《{材料}》第{稿次}稿已到“{阶段}”阶段，请在{时限}天内（{截止时间}前）审核。{链接}",
    _FIELDS, _SAMPLE))

OVERDUE_KIND = register_kind(MessageKind(
    "document.review.overdue", "材料审核超时（审核人，超出阶段办理时限时）",
    "【审核超时】《{材料}》“{阶段}”已超出办理时限",
    "《{材料}》第{稿次}稿在“{阶段}”阶段的办理时限（{时限}天）已于{截止时间}届满，已超时{超时}，仍待您审核，"
    "请尽快处理。{链接}",
    _FIELDS, _SAMPLE))


def review_values(*, title: str, stage_name: str, version_number: int, allowance_days: int, due_at,
                  moment=None) -> dict[str, str]:
    late = (moment - due_at) if moment is not None and due_at is not None else None
    return {"材料": title, "阶段": stage_name, "稿次": str(version_number), "时限": str(allowance_days),
            "截止时间": timeutil.format_datetime(due_at) if due_at else "—",
            "超时": timeutil.humanize_delta(late) if late is not None and late.total_seconds() > 0 else "0分钟"}


def collect_overdue_reviews(ctx: ScanContext) -> Iterable[DueItem]:
    """Current stages past their allowance (``overdue_stages``: three queries) → each pending reviewer
    who can still sign in (one query for their names)."""
    stages = overdue_stages(ctx.now)
    user_ids = {user_id for stage in stages for user_id in stage.pending_user_ids}
    if not user_ids:
        return
    names = dict(db.session.execute(select(User.id, User.display_name)
                                    .where(User.id.in_(sorted(user_ids)), User.is_active_account)).all())
    for stage in stages:
        values = review_values(title=stage.title, stage_name=stage.stage_name, version_number=stage.version_number,
                               allowance_days=stage.allowance_days, due_at=stage.due_at, moment=ctx.now)
        link = f"/documents/{stage.document_id}"
        for user_id in stage.pending_user_ids:
            if user_id in names:
                yield DueItem("document.review.overdue", "document_stage", stage.stage_id, user_id, names[user_id],
                              stage.due_at, values, link, stage.meeting_id)


register_rule(ReminderRule("document.review.overdue", OVERDUE_KIND.kind, "材料审核超时（审核人）",
                           collect_overdue_reviews))
