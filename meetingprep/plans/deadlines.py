"""Deadlines relative to the opening (开幕前7天 17:00) and back, in the meeting's zone.

An offset counts calendar days from the opening *date* in local time, so "开幕前1天 17:00" of a
meeting opening 2026-12-20 09:00 is 2026-12-19 17:00 local, whatever time the opening starts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from meetingprep.timeutil import from_local, to_local

_RELATIVE = re.compile(
    r"^开幕(?:(?P<dir>前|后)\s*(?P<days>\d{1,3})\s*天|(?P<same>当天|当日))\s*(?P<hour>\d{1,2})\s*[:：]\s*(?P<minute>\d{2})$")
_ABSOLUTE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S",
                     "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y-%m-%dT%H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")


@dataclass(frozen=True)
class Relative:
    days: int  # negative before the opening
    time: dt.time


def opening_date(opens_at: dt.datetime) -> dt.date:
    return to_local(opens_at).date()


def offset_of(opens_at: dt.datetime, due_at: dt.datetime) -> Relative:
    local = to_local(due_at)
    return Relative((local.date() - opening_date(opens_at)).days, local.time().replace(second=0, microsecond=0))


def describe_day(days: int) -> str:
    """开幕前7天 / 开幕当天 / 开幕后1天"""
    return "开幕当天" if days == 0 else f"开幕{'前' if days < 0 else '后'}{abs(days)}天"


def describe(days: int, at: dt.time) -> str:
    """开幕前7天 17:00 — the same words the importer reads."""
    return f"{describe_day(days)} {at:%H:%M}"


def parse_relative(text: str) -> Relative | None:
    match = _RELATIVE.match(text.strip())
    if not match:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        return None
    days = 0 if match["same"] else int(match["days"]) * (-1 if match["dir"] == "前" else 1)
    return Relative(days, dt.time(hour, minute))


def parse_local_datetime(text: str) -> dt.datetime | None:
    """A typed wall-clock datetime (local zone) → aware UTC, or None when it is not one."""
    text = re.sub(r"\s+", " ", text.strip())
    for fmt in _ABSOLUTE_FORMATS:
        try:
            return from_local(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
