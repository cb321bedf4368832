"""Stored dashboard figures: serving a view costs the same however large the meeting.

Computing every section schedules every open task (the critical path) and grows with the meeting, so the
figures are stored in ``dashboard_snapshots``, one row per meeting and viewer scope, shared by every
worker process and computed ahead by the scheduler (job ``dashboard.refresh``). Only the figures are
stored: each view draws them with the templates it runs, so a template change or a rolling deploy
never serves markup drawn by other code.

A snapshot is served while it is fresh:

* younger than ``DASHBOARD_MAX_AGE_SECONDS`` (deadlines pass and the countdown runs without any
  change being made), and
* either the data version has not moved since it was computed (``meetingprep/data_version.py``: every
  writing transaction raises it) or it is younger than ``DASHBOARD_REFRESH_SECONDS``: a busy afternoon
  of changes costs one computation per that interval, not one per change or per viewer.

Otherwise one request computes the figures and stores them for the next ones. Only one: the first to
find the snapshot stale claims it (``refresh_claimed_at``, a compare-and-set UPDATE committed at once);
everyone else meanwhile is served the stored figures, as long as they are within ``max_age`` and computed
against the same opening. Without the claim, twenty wall screens that found the figures stale during a
check-in rush each computed them at once and took the CPU from the check-ins. So a change shows within
``DASHBOARD_REFRESH_SECONDS`` plus one computation. A claim older than ``CLAIM_SECONDS`` (its worker
died) may be taken over. The scheduler refreshes the meeting-wide snapshot before it goes stale, so
viewers rarely wait; group leads' scoped snapshots are refreshed by their own views.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask.json.tag import JSONTag, TaggedJSONSerializer
from sqlalchemy import and_, func, or_, select, update

from meetingprep import timeutil
from meetingprep.dashboard.core import DashboardContext
from meetingprep.dashboard.models import DashboardSnapshot
from meetingprep.data_version import version_column, wrote_uncommitted
from meetingprep.db import LabeledEnum, upsert_insert, writing
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting

WHOLE_MEETING = "all"
#: A recomputation's claim lapses after this long, so a worker that died while computing blocks nobody.
CLAIM_SECONDS = 60


# ── serialising figures: JSON that gives back datetimes, dates, durations and enums ────────────
class _TagDateTime(JSONTag):
    """Exact to the microsecond with its offset (Flask's own tag keeps HTTP-date seconds)."""

    key = " dt"

    def check(self, value: Any) -> bool:
        return isinstance(value, dt.datetime)

    def to_json(self, value: dt.datetime) -> str:
        return value.isoformat()

    def to_python(self, value: str) -> dt.datetime:
        return dt.datetime.fromisoformat(value)


class _TagDate(JSONTag):
    key = " da"

    def check(self, value: Any) -> bool:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)

    def to_json(self, value: dt.date) -> str:
        return value.isoformat()

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)


class _TagDuration(JSONTag):
    key = " td"

    def check(self, value: Any) -> bool:
        return isinstance(value, dt.timedelta)

    def to_json(self, value: dt.timedelta) -> list[int]:
        return [value.days, value.seconds, value.microseconds]

    def to_python(self, value: list[int]) -> dt.timedelta:
        return dt.timedelta(*value)


def _labeled_enums() -> dict[str, type[LabeledEnum]]:
    found, pending = {}, list(LabeledEnum.__subclasses__())
    while pending:
        cls = pending.pop()
        found[f"{cls.__module__}.{cls.__qualname__}"] = cls
        pending.extend(cls.__subclasses__())
    return found


class _TagLabeledEnum(JSONTag):
    """Statuses and phases come back as themselves (templates read ``.label``); only our own enum
    classes are ever rebuilt, whatever a stored row says."""

    key = " en"

    def check(self, value: Any) -> bool:
        return isinstance(value, LabeledEnum)

    def to_json(self, value: LabeledEnum) -> list[str]:
        cls = type(value)
        return [f"{cls.__module__}.{cls.__qualname__}", value.value]

    def to_python(self, value: list[str]) -> enum.Enum:
        class_name, member = value
        return _labeled_enums()[class_name](member)


SERIALIZER = TaggedJSONSerializer()
for _tag in (_TagDuration, _TagDate, _TagDateTime, _TagLabeledEnum):
    SERIALIZER.register(_tag, index=0)  # before Flask's own datetime tag


def dumps(figures: dict) -> str:
    return SERIALIZER.dumps(figures)


def loads(payload: str) -> dict:
    return SERIALIZER.loads(payload)


# ── freshness ──────────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Policy:
    refresh: dt.timedelta  # a change shows within this
    max_age: dt.timedelta  # figures are never older than this

    @classmethod
    def from_config(cls) -> Policy:
        config = current_app.config
        return cls(refresh=dt.timedelta(seconds=config["DASHBOARD_REFRESH_SECONDS"]),
                   max_age=dt.timedelta(seconds=config["DASHBOARD_MAX_AGE_SECONDS"]))


def is_servable(snapshot, *, meeting: Meeting, moment: dt.datetime, policy: Policy) -> bool:
    """Not too old and computed against this opening: may be shown, if perhaps missing the latest changes."""
    age = moment - snapshot.computed_at
    # a clock set back, too old, computed against another opening, or in another phase of the meeting (before
    # the opening, during, after the closing: the page shows other sections then) are never shown
    return (dt.timedelta(0) <= age < policy.max_age and snapshot.opens_at == meeting.opens_at
            and meeting.phase_at(snapshot.computed_at) == meeting.phase_at(moment))


def is_fresh(snapshot, *, meeting: Meeting, version: int, moment: dt.datetime, policy: Policy) -> bool:
    if not is_servable(snapshot, meeting=meeting, moment=moment, policy=policy):
        return False
    return snapshot.data_version >= version or moment - snapshot.computed_at < policy.refresh


def scope_key(group_ids: frozenset[int] | None) -> str:
    return WHOLE_MEETING if group_ids is None else "groups:" + ",".join(map(str, sorted(group_ids)))


def _stored(meeting_id: int, scope: str, *, with_payload: bool):
    """One row whatever is stored: the current data version, beside the snapshot's freshness and (when
    asked) its figures (all None when nothing is stored)."""
    current = select(func.coalesce(version_column(), 0).label("current_version")).subquery()
    columns = [DashboardSnapshot.computed_at, DashboardSnapshot.opens_at, DashboardSnapshot.data_version]
    if with_payload:
        columns.append(DashboardSnapshot.payload)
    return db.session.execute(
        select(current.c.current_version, *columns).select_from(current).outerjoin(
            DashboardSnapshot, and_(DashboardSnapshot.meeting_id == meeting_id, DashboardSnapshot.scope == scope))
    ).one()


# ── reading and computing ──────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Figures:
    """One snapshot as served: when it was computed, and every section's figures."""

    computed_at: dt.datetime
    sections: dict[str, dict]
    #: Names these exact figures as decoded once in this process (None: computed for this request): the key under
    #: which their drawing may be reused (``dashboard/drawing.py``).
    identity: int | None = None


Compute = Callable[[DashboardContext], dict[str, dict]]


def figures_for(ctx: DashboardContext, compute: Compute) -> Figures:
    """The viewer's figures: stored while fresh (one query), else computed (at most once) and stored."""
    scope = scope_key(ctx.group_ids)
    row = _stored(ctx.meeting.id, scope, with_payload=True)
    stored = _loaded(row)
    if stored is not None:
        policy = Policy.from_config()
        if is_fresh(row, meeting=ctx.meeting, version=row.current_version, moment=ctx.moment, policy=policy):
            return stored
        if (is_servable(row, meeting=ctx.meeting, moment=ctx.moment, policy=policy)
                and not wrote_uncommitted(db.session) and not _claim(ctx.meeting.id, scope, ctx.moment)):
            return stored  # another worker is computing newer figures
    return _compute_and_store(ctx, scope, row.current_version, compute)


#: Decoded snapshots of this process, by their stored text (the same text decodes to the same figures): decoding
#: the tagged JSON cost more than drawing the page, and every view of a snapshot decoded it again. Only read.
_DECODED: dict[tuple, Figures] = {}
DECODED_KEPT = 16
_DECODED_COUNT = itertools.count(1)


def _loaded(row) -> Figures | None:
    if row.computed_at is None:
        return None
    key = (row.computed_at, row.payload)
    figures = _DECODED.get(key)
    if figures is None:
        try:
            figures = Figures(row.computed_at, loads(row.payload), identity=next(_DECODED_COUNT))
        except (KeyError, ValueError):
            return None  # stored by other code (a deploy renamed an enum …): computed again
        if len(_DECODED) >= DECODED_KEPT:
            _DECODED.clear()
        _DECODED[key] = figures
    return figures


def _claim(meeting_id: int, scope: str, moment: dt.datetime) -> bool:
    """True when this request is the one to recompute the snapshot (committed at once, so others see it)."""
    lapsed = moment - dt.timedelta(seconds=CLAIM_SECONDS)
    with writing(db.session) as session:
        claimed = session.execute(
            update(DashboardSnapshot)
            .where(DashboardSnapshot.meeting_id == meeting_id, DashboardSnapshot.scope == scope,
                   or_(DashboardSnapshot.refresh_claimed_at.is_(None), DashboardSnapshot.refresh_claimed_at < lapsed))
            .values(refresh_claimed_at=moment)
            .execution_options(synchronize_session=False)).rowcount
    return claimed == 1


def _compute_and_store(ctx: DashboardContext, scope: str, version: int, compute: Compute) -> Figures:
    """Computed after reading the data version, so a change committed meanwhile marks it stale.

    Committed at once, in a transaction of its own (``writing``): a cache fill, in a request (or tick) that
    has changed nothing else; what the request loaded stays loaded for rendering. Not stored when this
    transaction has written and not committed: those figures may yet be rolled back.
    """
    sections = compute(ctx)
    if wrote_uncommitted(db.session):
        return Figures(ctx.moment, sections)
    values = {"meeting_id": ctx.meeting.id, "scope": scope, "computed_at": ctx.moment,
              "opens_at": ctx.meeting.opens_at, "data_version": version, "payload": dumps(sections),
              "refresh_claimed_at": None}
    statement = upsert_insert(DashboardSnapshot, db.session.get_bind().dialect.name).values(**values)
    with writing(db.session) as session:
        session.execute(statement.on_conflict_do_update(
            index_elements=["meeting_id", "scope"],
            set_={key: statement.excluded[key] for key in values if key not in ("meeting_id", "scope")},
            where=DashboardSnapshot.computed_at <= statement.excluded.computed_at,  # keep a newer one
        ))
    return Figures(ctx.moment, sections)


def refresh(meetings: Iterable[Meeting], compute: Compute) -> int:
    """The scheduler's tick: recompute each meeting-wide snapshot that is stale or would go stale
    before the next tick (so viewers are served, not made to wait). Returns how many were computed."""
    policy = Policy.from_config()
    moment = timeutil.now()
    # any change counts, and so does the age the snapshot will have reached by the next tick
    ahead = Policy(refresh=dt.timedelta(0), max_age=max(policy.max_age - policy.refresh, dt.timedelta(0)))
    computed = 0
    for meeting in meetings:
        ctx = DashboardContext(meeting=meeting, moment=moment)
        row = _stored(meeting.id, WHOLE_MEETING, with_payload=False)
        if row.computed_at is not None and is_fresh(row, meeting=meeting, version=row.current_version,
                                                    moment=moment, policy=ahead):
            continue
        _compute_and_store(ctx, WHOLE_MEETING, row.current_version, compute)
        computed += 1
    return computed
