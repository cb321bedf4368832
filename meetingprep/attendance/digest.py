"""昨日出勤 for the daily digest (``notifications.digest.SECTIONS``): yesterday's sittings with their counts."""

from __future__ import annotations

import datetime as dt

from meetingprep import timeutil
from meetingprep.attendance import queries
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.digest import DigestSection


def yesterday(meeting: Meeting, moment: dt.datetime) -> DigestSection | None:
    """Each sitting that began yesterday (local day): raw counts and the rate, with the formula."""
    day = timeutil.to_local(moment).date() - dt.timedelta(days=1)
    start, end = timeutil.local_midnight(day), timeutil.local_midnight(day + dt.timedelta(days=1))
    sittings = [s for s in queries.sittings_of(meeting.id) if start <= s.starts_at < end]
    if not sittings:
        return None
    counts = queries.counts_by_sitting(meeting.id)
    lines = []
    for sitting in sittings:
        c = counts.get(sitting.id, queries.Counts())
        lines.append(f"{timeutil.format_time(sitting.starts_at)} {sitting.name}：应到 {c.expected}，实到 {c.present}"
                     f"（迟到 {c.late}），请假 {c.leave}，缺席 {c.absent}，出席率 {c.rate_text}"
                     + (f"；列席 {c.extra}" if c.extra else ""))
    lines.append(queries.RATE_FORMULA)
    return DigestSection(f"昨日出勤（{timeutil.format_date(day)}）", lines)
