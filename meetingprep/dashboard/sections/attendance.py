"""报到与出席: registration so far, the latest sittings' attendance rates, leave requests waiting.

A few index counts whatever the roster's size (``attendance.queries.summary_counts`` and ``latest_sittings``),
cheap enough to run on every view (a live section: the wall shows each check-in as the desk does, from the
moment a sitting's check-in opens);
出席率 = 实到 ÷ (应到 − 请假), as everywhere in the product, always beside the raw counts.
"""

from __future__ import annotations

from flask import url_for

from meetingprep import timeutil
from meetingprep.attendance import queries
from meetingprep.attendance.services import checkin_opens_before
from meetingprep.dashboard.core import DashboardContext, Section, Sheet, percent

LATEST = 4


def _link(endpoint: str, **values) -> str:
    """A path on this site, also when computed outside a request (tests, exports)."""
    return url_for(endpoint, _external=False, **values)


def compute(ctx: DashboardContext) -> dict:
    summary = queries.summary_counts(ctx.meeting.id)
    latest, overall, begun = queries.latest_sittings(ctx.meeting.id, ctx.moment, LATEST, checkin_opens_before())
    return {
        "formula": queries.RATE_FORMULA,
        "registration": {"expected": summary["expected"], "registered": summary["registered"],
                         "missing": summary["missing"], "percent": percent(summary["registered"], summary["expected"]),
                         "url": _link("attendance.unregistered")},
        "overall": {**overall.as_dict(), "sittings": begun, "url": _link("attendance.figures")},
        "sittings": [{"id": sitting.id, "name": sitting.name, "starts": timeutil.format_short(sitting.starts_at),
                      "starts_at": sitting.starts_at,
                      "rate_percent": None if counts.rate is None else round(counts.rate * 100, 1),
                      "closed": sitting.is_closed, "url": _link("attendance.sitting_detail", sitting_id=sitting.id),
                      "missing_url": _link("attendance.absent", sitting_id=sitting.id),
                      **counts.as_dict()} for sitting, counts in latest],
        "pending_leave": {"count": summary["pending_leave"],
                          "url": _link("attendance.leave_list", status="pending")},
    }


def sheets(figures: dict) -> list[Sheet]:
    header = ["会次", "开始时间", "应到", "实到", "迟到", "请假", "缺席", "列席", "出席率"]
    rows = [[s["name"], s["starts_at"], s["expected"], s["present"], s["late"], s["leave"], s["absent"], s["extra"],
             s["rate"] if s["rate_percent"] is None else s["rate_percent"]] for s in figures["sittings"]]
    registration = figures["registration"]
    rows.append([f"报到 {registration['registered']}/{registration['expected']} 人；待审批请假 "
                 f"{figures['pending_leave']['count']} 件；{figures['formula']}"])
    return [("出席", header, rows)]


SECTION = Section(key="attendance", title="报到与出席", template="dashboard/_attendance.html", compute=compute,
                  sheets=sheets, live=True)
