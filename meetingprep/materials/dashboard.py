"""材料阅读率 for the dashboard's 会中 section (``dashboard/sections/session.py``, ``READ_RATES``): of the meeting's
live materials (published, not withdrawn), the (member, material) pairs read in the current version ÷ the pairs handed
out — the same figures as each material's receipts page (``queries.readings``), summed in one query."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select

from meetingprep.attendance.models import MemberProfile
from meetingprep.extensions import db
from meetingprep.materials.audience import audience_clause
from meetingprep.materials.models import Material, MaterialReceipt


def read_rate(meeting_id: int) -> tuple[int, int]:
    read = and_(MaterialReceipt.id.is_not(None), MaterialReceipt.version_number >= Material.version_count)
    expected, done = db.session.execute(
        select(func.count(MemberProfile.id), func.coalesce(func.sum(case((read, 1), else_=0)), 0))
        .select_from(Material).join(MemberProfile, audience_clause())
        .outerjoin(MaterialReceipt, and_(MaterialReceipt.material_id == Material.id,
                                         MaterialReceipt.member_id == MemberProfile.id))
        .where(Material.meeting_id == meeting_id, Material.is_live)).one()
    return int(done or 0), int(expected or 0)
