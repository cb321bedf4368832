"""The dashboard's read side: every section's figures for one viewer at one moment."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from meetingprep import timeutil
from meetingprep.dashboard import snapshots
from meetingprep.dashboard.core import DashboardContext, Section, jsonable
from meetingprep.dashboard.sections import sections
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import dashboard_group_scope


def context_for(user, meeting: Meeting) -> DashboardContext:
    return DashboardContext(meeting=meeting, moment=timeutil.now(), group_ids=dashboard_group_scope(user))


def compute_figures(ctx: DashboardContext, only: tuple[Section, ...] | None = None) -> dict[str, dict]:
    """Every section computed now from the data (what a snapshot stores)."""
    return {section.key: section.compute(ctx) for section in (only or sections())}


def wall_sections() -> tuple[Section, ...]:
    return tuple(section for section in sections() if section.on_wall)


def current_figures(ctx: DashboardContext) -> snapshots.Figures:
    """What the pages, the API and the export show: the stored snapshot while fresh, the live sections computed
    now, and what the clock alone decides set for this moment (``Section.at_moment``)."""
    stored = snapshots.figures_for(ctx, _compute_stored)
    live = {section.key: section.compute(ctx) for section in sections() if section.live}
    figures = {**stored.sections, **live}
    for section in sections():
        if section.at_moment is not None and section.key in figures:
            figures[section.key] = section.at_moment(figures[section.key], ctx.moment)
    return snapshots.Figures(stored.computed_at, figures, stored.identity)


def _compute_stored(ctx: DashboardContext) -> dict[str, dict]:
    return compute_figures(ctx, tuple(section for section in sections() if not section.live))


def refresh_snapshots() -> str:
    """The scheduler's tick: keep the current meeting's snapshot computed ahead of its viewers."""
    from meetingprep.meetings.queries import get_current_meeting

    meeting = get_current_meeting()
    with current_app.test_request_context("/dashboard"):  # links are built as in a request (no SERVER_NAME needed)
        computed = snapshots.refresh([meeting] if meeting is not None else [], _compute_stored)
    return f"重算 {computed} 份" if computed else "无需重算"


def freshness_label(computed_at: dt.datetime) -> str:
    """When the shown figures were computed, to the second (they may be a few seconds old)."""
    return f"{timeutil.to_local(computed_at):%H:%M:%S}"


def api_payload(ctx: DashboardContext, figures: dict[str, dict], computed_at: dt.datetime) -> dict:
    return jsonable({
        "meeting": {"id": ctx.meeting.id, "name": ctx.meeting.name},
        "generated_at": computed_at,
        "generated_label": freshness_label(computed_at),
        "scope": {"group_ids": sorted(ctx.group_ids) if ctx.group_ids is not None else None},
        "sections": [section.key for section in sections()],
        **figures,
    })
