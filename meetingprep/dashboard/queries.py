"""The dashboard's read side: every section's figures for one viewer at one moment."""

from __future__ import annotations

from meetingprep import timeutil
from meetingprep.dashboard.core import DashboardContext, Section, jsonable
from meetingprep.dashboard.sections import sections
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import dashboard_group_scope


def context_for(user, meeting: Meeting) -> DashboardContext:
    return DashboardContext(meeting=meeting, moment=timeutil.now(), group_ids=dashboard_group_scope(user))


def compute_figures(ctx: DashboardContext, only: tuple[Section, ...] | None = None) -> dict[str, dict]:
    return {section.key: section.compute(ctx) for section in (only or sections())}


def api_payload(ctx: DashboardContext, figures: dict[str, dict]) -> dict:
    return jsonable({
        "meeting": {"id": ctx.meeting.id, "name": ctx.meeting.name},
        "generated_at": ctx.moment,
        "generated_label": timeutil.format_time(ctx.moment),
        "scope": {"group_ids": sorted(ctx.group_ids) if ctx.group_ids is not None else None},
        "sections": [section.key for section in sections()],
        **figures,
    })
