"""The demo's discussion opinions: every discussion group has a recorder; opinions on both reports, some
answered (one 采纳 with the draft that took it up), the rest waiting.
(The archived session of last year has discussion groups of its own, without recorders.)"""

from __future__ import annotations

from sqlalchemy import func, select

from meetingprep.attendance.models import DiscussionGroup
from meetingprep.demo import build_demo
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.opinions.models import DiscussionOpinion, DiscussionRecorder, OpinionResponse


def test_the_demo_has_recorders_and_opinions_some_answered(app):
    build_demo("small")
    current = db.session.scalar(select(Meeting.id).where(Meeting.is_current.is_(True)))
    groups = db.session.scalar(select(func.count(DiscussionGroup.id)).where(DiscussionGroup.meeting_id == current))
    recorded = db.session.scalar(select(func.count(func.distinct(DiscussionRecorder.discussion_group_id))))
    assert groups and recorded == groups
    opinions = db.session.scalars(select(DiscussionOpinion)).all()
    answered = [o for o in opinions if o.response is not None]
    assert len(opinions) >= 8 and 3 <= len(answered) < len(opinions)
    adopted = [o for o in answered if o.response == OpinionResponse.ADOPTED]
    assert adopted and all(o.response_version_id is not None for o in adopted)
    assert len({o.document_id for o in opinions}) == 2
