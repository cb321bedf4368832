from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.timeutil import now
from meetingprep.web import current_meeting

bp = Blueprint("meetings", __name__)


@bp.route("/")
@login_required
def home():
    meeting = current_meeting()
    groups = []
    if meeting is not None:
        groups = db.session.scalars(
            select(WorkingGroup).where(WorkingGroup.meeting_id == meeting.id)
            .options(selectinload(WorkingGroup.memberships).joinedload(GroupMembership.user))
            .order_by(WorkingGroup.sort_order, WorkingGroup.id)
        ).all()
    return render_template("meetings/home.html", meeting=meeting, groups=groups, moment=now())
