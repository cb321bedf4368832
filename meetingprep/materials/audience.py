"""Who a material reaches: one SQL rule for the reading check, 我的材料, the receipts page and the reminders.

Below the permission module (``permissions.py`` asks ``reaches`` for a member's reading), so it imports
no service, view or permission: only models and the attendance rule of who is expected at a sitting.
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.orm import aliased

from meetingprep.attendance.models import MemberProfile, Sitting
from meetingprep.attendance.queries import expected_clause
from meetingprep.extensions import db
from meetingprep.materials.models import Audience, Material, MaterialGroup

#: The member as the sitting's rule sees them, inside the subquery (module level: one alias, not one per call).
_Expected = aliased(MemberProfile, name="expected_member")


def audience_clause(material=Material, member=MemberProfile):
    """SQL truth of "this material goes to this member", for any (material, member) pair of columns.

    Audience 会次应到人员 follows the sitting's own 应到范围 (attendance's ``expected_clause``), so a change of
    the sitting's expected members changes who the material reaches, as it changes who is counted there. The
    rule is asked of the member by primary key inside an EXISTS whose own FROM holds the sitting and the
    member: SQLAlchemy correlates a subquery to the select right around it only, and the rule's own EXISTS
    (expected groups, listed members) must find both there."""
    at_sitting = exists().where(_Expected.id == member.id, Sitting.id == material.sitting_id,
                                Sitting.meeting_id == _Expected.meeting_id, expected_clause(Sitting, _Expected))
    return and_(
        member.meeting_id == material.meeting_id,
        or_(
            material.audience == Audience.ALL,
            and_(material.audience == Audience.STANDING, member.is_standing == true()),
            and_(material.audience == Audience.GROUPS, exists().where(
                MaterialGroup.material_id == material.id, MaterialGroup.group_id == member.discussion_group_id)),
            and_(material.audience == Audience.SITTING, at_sitting),
        ),
    )


def reaches(material: Material, user_id: int) -> bool:
    """Whether the material goes to the member whose account this is: one query, held for the request."""
    key = (material.id, user_id)
    cache = g.setdefault("material_reach", {}) if has_app_context() else {}
    if key not in cache:
        cache[key] = bool(db.session.scalar(select(exists().where(
            MemberProfile.user_id == user_id, Material.id == material.id, audience_clause()))))
    return cache[key]
