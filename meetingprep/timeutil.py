"""The one clock, zone conversion and Chinese date formats.

Everything is stored in UTC and shown in the configured zone (Asia/Shanghai by default).
Tests move the clock with time-machine, which ``now()`` honours.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask.globals import _cv_app

WEEKDAYS = "一二三四五六日"
DEFAULT_ZONE = "Asia/Shanghai"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def zone() -> ZoneInfo:
    """The configured zone. Read through Flask's context variable, not the ``current_app`` proxy: a board
    converts 150 deadlines, and the proxy was most of each conversion's cost."""
    context = _cv_app.get(None)
    return ZoneInfo(context.app.config.get("TIMEZONE", DEFAULT_ZONE) if context is not None else DEFAULT_ZONE)


def local_now() -> dt.datetime:
    return now().astimezone(zone())


def today() -> dt.date:
    """Today in the meeting's zone: what "today" means to the people using the service."""
    return local_now().date()


def to_local(value: dt.datetime) -> dt.datetime:
    """In the display zone. A moment at the very edge of Python's range (9999-12-31 in UTC, written before
    forms bounded dates) has no local time there: it stays at the edge instead of raising OverflowError."""
    try:
        return value.astimezone(zone())
    except OverflowError:
        edge = dt.datetime.max if value.year > 1 else dt.datetime.min
        return edge.replace(tzinfo=zone())


def from_local(value: dt.datetime) -> dt.datetime:
    """A wall-clock time typed by a user (naive, local zone) → aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone())
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        edge = dt.datetime.max if value.year > 1 else dt.datetime.min
        return edge.replace(tzinfo=dt.UTC)


def local_midnight(day: dt.date) -> dt.datetime:
    return from_local(dt.datetime.combine(day, dt.time()))


def format_date(value: dt.date | dt.datetime | None, weekday: bool = True) -> str:
    """2025年1月10日 周五"""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    text = f"{value.year}年{value.month}月{value.day}日"
    return f"{text} 周{WEEKDAYS[value.weekday()]}" if weekday else text


def format_datetime(value: dt.datetime | None, weekday: bool = True) -> str:
    """2025年1月10日 周五 14:30"""
    if value is None:
        return ""
    local = to_local(value)
    return f"{format_date(local.date(), weekday)} {local:%H:%M}"


def format_time(value: dt.datetime | None) -> str:
    return "" if value is None else f"{to_local(value):%H:%M}"


def format_short(value: dt.datetime | None) -> str:
    """1月10日 14:30 — for dense tables."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{local.month}月{local.day}日 {local.hour:02d}:{local.minute:02d}"


def humanize_delta(delta: dt.timedelta) -> str:
    """3天5小时 / 2小时 / 15分钟 — how long something has waited or is left."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"
    return f"{minutes}分钟"


def input_value(value: dt.datetime | None) -> str:
    """The value for an <input type=datetime-local> in the local zone."""
    return "" if value is None else f"{to_local(value):%Y-%m-%dT%H:%M}"
