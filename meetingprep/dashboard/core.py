"""What every dashboard section shares: the section contract, the request's context, link builders.

A section is a function computing its figures as plain dicts in a fixed number of SQL queries, a
template partial that draws them, and the key under which /api/dashboard returns them. Adding a
section (documents, attendance after integration) means adding one module under ``sections/``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Date, cast, func
from sqlalchemy.sql import ColumnElement

from meetingprep import timeutil
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.tasks.links import task_path

#: The tasks ledger and its filters (group, owner, phase, status, overdue, due_within, q, sort, page):
#: the contract with the tasks domain, so every figure links to the records behind it.
LEDGER_PATH = "/tasks/"
#: The documents board and its filters (type, status, stage, group, overdue, page).
DOCUMENTS_PATH = "/documents/"

Sheet = tuple[str, list[str], list[list[Any]]]  # (sheet name, header, rows) for the .xlsx export


@dataclass(frozen=True)
class Section:
    key: str  # the figures' key in /api/dashboard and in the page
    title: str
    template: str  # partial under templates/dashboard/
    compute: Callable[[DashboardContext], dict]
    sheets: Callable[[dict], list[Sheet]] = lambda _figures: []
    wide: bool = False  # spans the full width of the page grid
    wall_columns: str = "col-xl-6"  # its width on the wall screen (大屏), which fits one 1080p screen
    on_wall: bool = True
    # cheap enough (a few index counts) to compute on every view: shown as of now, never from a snapshot, so
    # the wall's check-in counts agree with the desk's during the opening rush
    live: bool = False
    #: What the clock alone decides (who speaks now), on the figures as they are served: (figures, moment) → a new
    #: dict (stored figures are shared by the process's requests: never change them).
    at_moment: Callable[[dict, dt.datetime], dict] | None = None
    #: Whether the page and the wall draw the section with these figures (会中 only while the meeting sits).
    visible: Callable[[dict], bool] = lambda _figures: True

    @property
    def served_as_stored(self) -> bool:
        """Its figures reach the page exactly as the snapshot keeps them (not computed or adjusted per view)."""
        return not self.live and self.at_moment is None


@dataclass
class DashboardContext:
    """One request's view of the meeting: the moment, and the groups the viewer is scoped to."""

    meeting: Meeting
    moment: dt.datetime
    group_ids: frozenset[int] | None = None  # None = the whole meeting

    @property
    def is_scoped(self) -> bool:
        return self.group_ids is not None

    def in_scope(self, group_id: int) -> bool:
        return self.group_ids is None or group_id in self.group_ids

    def task_filters(self, task_cls) -> list[ColumnElement[bool]]:
        """WHERE clauses selecting the meeting's tasks the viewer may see."""
        clauses = [task_cls.meeting_id == self.meeting.id]
        if self.group_ids is not None:
            clauses.append(task_cls.group_id.in_(sorted(self.group_ids)))
        return clauses

    def ledger_url(self, **filters: Any) -> str:
        """The ledger filtered like the figure; a viewer scoped to one group keeps that filter."""
        return ledger_url(**self._scoped(filters))

    def documents_url(self, **filters: Any) -> str:
        """The documents board filtered like the figure, scoped like the ledger."""
        return _url(DOCUMENTS_PATH, self._scoped(filters))

    def _scoped(self, filters: dict[str, Any]) -> dict[str, Any]:
        if self.group_ids is not None and len(self.group_ids) == 1 and "group" not in filters:
            return {"group": next(iter(self.group_ids)), **filters}
        return filters

    @cached_property
    def analysis(self):
        """The hand-off graph of the meeting's unfinished tasks and its critical-path schedule, computed
        once per context and shared by the risk and critical-path sections."""
        from meetingprep.dashboard.graph import analysis

        return analysis(self.meeting, self.moment)

    @property
    def open_graph(self):
        return self.analysis.graph


def _url(path: str, filters: dict[str, Any]) -> str:
    query = urlencode({key: value for key, value in filters.items() if value is not None})
    return f"{path}?{query}" if query else path


def ledger_url(**filters: Any) -> str:
    return _url(LEDGER_PATH, filters)


def task_url(task_id: int) -> str:
    """A figure's link to a task (kept in snapshots, so the path in the app)."""
    return task_path(task_id)


def document_url(document_id: int) -> str:
    return f"{DOCUMENTS_PATH}{document_id}"


def local_day(column) -> ColumnElement:
    """The calendar day of a UTC timestamp in the meeting's zone, computed by the database.

    PostgreSQL converts exactly with the zone name; SQLite has no zones, so it shifts by the zone's
    current UTC offset (exact for Asia/Shanghai, which has no daylight saving time).
    """
    zone = timeutil.zone()
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(zone.key, column), Date)
    minutes = int(timeutil.now().astimezone(zone).utcoffset().total_seconds() // 60)
    return func.date(column, f"{minutes:+d} minutes")


def as_date(value: Any) -> dt.date:
    """A day from ``local_day``: a date on PostgreSQL, an ISO string on SQLite."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def percent(part: int, whole: int) -> float | int:
    """One decimal, and a whole number as an int, so the page and the JSON print it alike (20, 37.5)."""
    value = round(100 * part / whole, 1) if whole else 0
    return int(value) if float(value).is_integer() else value


def jsonable(value: Any) -> Any:
    """Figures → JSON: ISO timestamps, enum values, durations in hours."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 3600, 1)
    return value
