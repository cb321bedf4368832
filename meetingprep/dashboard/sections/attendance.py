"""报到与出席: registration so far, the latest sittings' attendance rates, leave requests waiting.

Figures come from the attendance domain's read side (meetingprep/attendance/queries.py) in a fixed
number of queries; 出席率 = 实到 ÷ (应到 − 请假), as everywhere in the product.
"""

from __future__ import annotations

from flask import url_for

from meetingprep import timeutil
from meetingprep.attendance import queries
from meetingprep.attendance.models import LeaveStatus
from meetingprep.dashboard.core import DashboardContext, Section, Sheet

LATEST = 4


def compute(ctx: DashboardContext) -> dict:
    meeting_id = ctx.meeting.id
    registration = queries.registration_counts(meeting_id)
    started = [s for s in queries.sittings_of(meeting_id) if s.starts_at <= ctx.moment]
    counts = queries.counts_by_sitting(meeting_id)
    overall = queries.Counts.total(counts.get(s.id, queries.Counts()) for s in started)
    pending = queries.leave_count(meeting_id, LeaveStatus.PENDING)
    expected = registration["expected"]
    return {
        "formula": queries.RATE_FORMULA,
        "registration": {**registration, "percent": round(100 * registration["registered"] / expected) if expected
                         else 0, "url": url_for("attendance.roster")},
        "overall": {**overall.as_dict(), "url": url_for("attendance.figures")},
        "sittings": [{"id": s.id, "name": s.name, "starts": timeutil.format_short(s.starts_at),
                      "closed": s.is_closed, "url": url_for("attendance.sitting_detail", sitting_id=s.id),
                      **counts.get(s.id, queries.Counts()).as_dict()} for s in reversed(started[-LATEST:])],
        "pending_leave": {"count": pending, "url": url_for("attendance.leave_list", status="pending")},
    }


def sheets(figures: dict) -> list[Sheet]:
    header = ["会次", "开始时间", "应到", "实到", "迟到", "请假", "缺席", "列席", "出席率"]
    rows = [[s["name"], s["starts"], s["expected"], s["present"], s["late"], s["leave"], s["absent"], s["extra"],
             s["rate"]] for s in figures["sittings"]]
    return [("出席", header, rows)]


SECTION = Section(key="attendance", title="报到与出席", template="dashboard/_attendance.html", compute=compute,
                  sheets=sheets)
