"""Review reminders: whom a stage waits on is told when it starts, and again when its time runs out.

The first message is sent by the services the moment a stage (re)starts or a sequential stage moves
to its next reviewer (``services._notify_pending``, wording ``document.review``). The second is this
reminder rule: a current stage past its time allowance reminds each reviewer still to decide, once
per stage, reviewer and due moment (a stage that starts over on a new version has a new due moment,
so its reviewers are reminded again if it runs out again). No escalation: the secretariat sees
overdue reviews on the dashboard and in the daily digest (待审材料).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from meetingprep.auth.models import User
from meetingprep.documents import messages
from meetingprep.documents.queries import overdue_stages
from meetingprep.extensions import db
from meetingprep.notifications.rules import DueItem, ReminderRule, ScanContext, register_rule


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
        values = messages.values(stage.title, stage_name=stage.stage_name, version_number=stage.version_number,
                                 allowance_days=stage.allowance_days, due_at=stage.due_at, moment=ctx.now)
        link = f"/documents/{stage.document_id}"
        for user_id in stage.pending_user_ids:
            if user_id in names:
                yield DueItem("document.review.overdue", "document_stage", stage.stage_id, user_id, names[user_id],
                              stage.due_at, values, link, stage.meeting_id)


register_rule(ReminderRule("document.review.overdue", messages.REVIEW_OVERDUE.kind, "材料审核超时（审核人）",
                           collect_overdue_reviews))
