"""Deadlines relative to the opening (开幕前7天 17:00) and back, in the meeting's zone.

An offset counts calendar days from the opening *date* in local time, so "开幕前1天 17:00" of a
meeting opening 2026-12-20 09:00 is 2026-12-19 17:00 local, whatever time the opening starts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from meetingprep.timeutil import from_local, to_local

_RELATIVE = re.compile(
    r"^开幕(?:(?P<dir>前|后)\s*(?P<days>\d{1,3})\s*天|(?P<same>当天|当日))\s*(?P<hour>\d{1,2})\s*[:：]\s*(?P<minute>\d{2})$")
_ABSOLUTE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S",
                     "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y-%m-%dT%H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")
_NO_YEAR_DATE = re.compile(r"^(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日$")
_NO_YEAR_TIME = re.compile(r"^(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


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
    match = _RELATIVE.match(typed(text))
    if not match:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        return None
    days = 0 if match["same"] else int(match["days"]) * (-1 if match["dir"] == "前" else 1)
    return Relative(days, dt.time(hour, minute))


def typed(text: str) -> str:
    """A date or time as typed in Excel or WPS, in one form: full-width digits and colons to ASCII (NFKC),
    runs of spaces to one, dots between date parts as slashes (2026.12.12), 17时30分 / 17点 as 17:30 / 17:00."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    text = re.sub(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})", r"\1/\2/\3", text)
    text = re.sub(r"(\d{1,2})\s*[时点]\s*(?:(\d{1,2})\s*分)?$",
                  lambda m: f"{m[1]}:{int(m[2] or 0):02d}", text)
    return re.sub(r"(日)(\d)", r"\1 \2", text)


def _year_near(month: int, day: int, near: dt.date) -> dt.date | None:
    """12月12日 without a year: the year that puts it nearest to ``near`` (the meeting's opening)."""
    candidates = []
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    return min(candidates, key=lambda day_: abs((day_ - near).days), default=None)


def parse_local_datetime(text: str, near: dt.date | None = None) -> dt.datetime | None:
    """A typed wall-clock datetime (local zone) → aware UTC, or None when it is not one. With ``near``,
    a month and day without a year (12月12日 17:00) take the year nearest to it."""
    text = typed(text)
    for fmt in _ABSOLUTE_FORMATS:
        try:
            return from_local(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    if near is not None and (match := _NO_YEAR_TIME.match(text)):
        day = _year_near(int(match["month"]), int(match["day"]), near)
        hour, minute = int(match["hour"]), int(match["minute"])
        if day is not None and hour < 24 and minute < 60:
            return from_local(dt.datetime.combine(day, dt.time(hour, minute)))
    return None


def parse_date(text: str, near: dt.date | None = None) -> dt.date | None:
    text = typed(text)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if near is not None and (match := _NO_YEAR_DATE.match(text)):
        return _year_near(int(match["month"]), int(match["day"]), near)
    return None
