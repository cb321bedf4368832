"""An object's history as a person reads it: the audit trail (``audit.trail_for``) in plain Chinese.

The trail stores raw values — ids, enum codes, UTC ISO times — and that is what the admin's audit
search shows. Object pages show this instead: names for ids (every referenced row of a page in one
query), Chinese labels for fields and enum values, local times, one row per change (an explicit
event such as 提交验收 and the field update written by the same flush are one change), and no
fields that mean nothing to a person (ids, creation times, version counters).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Date, String, Time, cast, inspect, literal, select, union_all
from sqlalchemy.orm import Session

from meetingprep import timeutil
from meetingprep.audit import _AUDITED_TYPES, ACTION_LABELS, TRAIL_LIMIT, TrailEntry, trail_for
from meetingprep.db import Base, UTCDateTime

#: Fields never shown on an object's history (they stay in the raw trail).
HIDDEN_FIELDS = frozenset({"id", "meeting_id", "created_at", "updated_at", "version_id", "version_count",
                           "sha256", "stored_name", "pinyin", "initials", "waiting_since"})

#: An explicit event and the field update of the same change are written within one flush.
_SAME_CHANGE = dt.timedelta(seconds=2)

#: Shown for a value that is not there.
EMPTY = "（空）"


@dataclass(frozen=True, slots=True)
class Change:
    label: str
    old: str | None  # None: not shown (a creation lists new values only)
    new: str


@dataclass(slots=True)
class HistoryRow:
    """One change as a person reads it."""

    at: dt.datetime
    actor_name: str | None  # None: 系统
    action: str  # the Chinese label
    message: str
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Field:
    label: str
    kind: str  # "ref", "enum", "datetime", "date", "time", "bool", "text"
    target: str | None = None  # the referenced table (kind "ref")
    enum_class: type | None = None


@cache
def _fields(object_type: str) -> dict[str, _Field]:
    """The fields of an audited type a person may read, by column key: labelled, not hidden."""
    cls = _AUDITED_TYPES.get(object_type)
    if cls is None:
        return {}
    shown = {}
    for attr in inspect(cls).column_attrs:
        column = attr.columns[0]
        label = getattr(column, "info", {}).get("label")
        if not label or attr.key in HIDDEN_FIELDS or attr.key in cls.__audit_exclude__:
            continue
        foreign = next(iter(getattr(column, "foreign_keys", ())), None)
        column_type = column.type
        if foreign is not None:
            shown[attr.key] = _Field(label, "ref", target=foreign.column.table.name)
        elif getattr(column_type, "enum_class", None) is not None:
            shown[attr.key] = _Field(label, "enum", enum_class=column_type.enum_class)
        elif isinstance(column_type, UTCDateTime):
            shown[attr.key] = _Field(label, "datetime")
        elif isinstance(column_type, Date):
            shown[attr.key] = _Field(label, "date")
        elif isinstance(column_type, Time):
            shown[attr.key] = _Field(label, "time")
        elif isinstance(column_type, Boolean):
            shown[attr.key] = _Field(label, "bool")
        else:
            shown[attr.key] = _Field(label, "text")
    return shown


@cache
def _name_columns() -> dict[str, tuple[Any, Any]]:
    """Per table: (its id column, the column that names a row to a person)."""
    named = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        table = getattr(cls, "__tablename__", None)
        if table is None:
            continue
        if len(mapper.primary_key) != 1:
            continue
        for name in ("display_name", "title", "name", "username", "number"):
            if name in mapper.columns:
                named[table] = (mapper.primary_key[0], mapper.columns[name])
                break
    return named


def _resolve(session: Session, wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """Names of the referenced rows, all tables in one statement."""
    named = _name_columns()
    parts = []
    for table, ids in wanted.items():
        if table not in named or not ids:
            continue
        id_column, name_column = named[table]
        parts.append(select(literal(table).label("t"), id_column.label("id"),
                            cast(name_column, String).label("name")).where(id_column.in_(sorted(ids))))
    if not parts:
        return {}
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    names = {}
    for table, row_id, name in session.execute(statement):
        if table == "document_versions":
            name = f"第{name}稿"
        names[(table, int(row_id))] = name
    return names


def _text(spec: _Field, value: Any, names: dict[tuple[str, int], str]) -> str:
    if value is None or value == "":
        return EMPTY
    try:
        if spec.kind == "ref":
            return names.get((spec.target, int(value)), "（已删除）")
        if spec.kind == "enum":
            member = spec.enum_class(value)
            return getattr(member, "label", member.value if isinstance(member, enum.Enum) else str(member))
        if spec.kind == "datetime":
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return timeutil.format_datetime(moment, weekday=False)
        if spec.kind == "date":
            return timeutil.format_date(dt.date.fromisoformat(value), weekday=False)
        if spec.kind == "time":
            return dt.time.fromisoformat(value).strftime("%H:%M")
        if spec.kind == "bool":
            return "是" if value else "否"
    except (ValueError, TypeError):
        pass  # a value older than its column's type: shown as stored
    return str(value)


def _is_explicit(entry: TrailEntry) -> bool:
    return entry.action not in ("create", "update", "delete")


def _compatible(explicit: TrailEntry, update: TrailEntry) -> bool:
    return (update.object_type == explicit.object_type and abs(explicit.at - update.at) <= _SAME_CHANGE
            and (explicit.actor_name == update.actor_name or None in (explicit.actor_name, update.actor_name)))


def _groups(entries: list[TrailEntry]) -> list[tuple[TrailEntry, list[TrailEntry]]]:
    """(main entry, the field updates of the same change): each field update goes to the nearest explicit
    event (in time) it is next to — across other updates only — written within a moment by the same actor.
    A service records its event before or after the flush that writes the fields, so a twin may sit on
    either side; a change flushed twice has two updates."""
    owner: dict[int, int] = {}
    for index, entry in enumerate(entries):
        if entry.action != "update":
            continue
        candidates = []
        for step in (-1, 1):
            other = index + step
            while 0 <= other < len(entries) and entries[other].action == "update":
                other += step
            if 0 <= other < len(entries) and _is_explicit(entries[other]) and _compatible(entries[other], entry):
                candidates.append((abs(entries[other].at - entry.at), other))
        if candidates:
            owner[index] = min(candidates)[1]
    twins: dict[int, list[TrailEntry]] = defaultdict(list)
    for index in sorted(owner):
        twins[owner[index]].append(entries[index])
    return [(entry, twins.get(index, [])) for index, entry in enumerate(entries) if index not in owner]


def readable(session: Session, entries: list[TrailEntry]) -> list[HistoryRow]:
    """The entries (newest first, as ``trail_for`` gives them) as a person reads them."""
    groups = _groups(entries)
    wanted: dict[str, set[int]] = defaultdict(set)
    for main, twins in groups:
        for entry in (main, *twins):
            if not entry.changes:
                continue
            specs = _fields(entry.object_type)
            for key, values in entry.changes.items():
                spec = specs.get(key)
                if spec is not None and spec.kind == "ref":
                    for value in values or ():
                        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                            wanted[spec.target].add(int(value))
    names = _resolve(session, wanted) if wanted else {}
    rows = []
    for entry, twins in groups:
        changes = []
        for source in (entry, *twins):
            if not source.changes:
                continue
            specs = _fields(source.object_type)
            for key, values in source.changes.items():
                spec = specs.get(key)
                if spec is None or not isinstance(values, list | tuple) or len(values) != 2:
                    continue
                if twins and key == "status":
                    continue  # the explicit event's message already says from → to
                old, new = values
                if source.action == "create":
                    if new is None or new == "":
                        continue
                    changes.append(Change(spec.label, None, _text(spec, new, names)))
                else:
                    old_text, new_text = _text(spec, old, names), _text(spec, new, names)
                    if old_text != new_text:
                        changes.append(Change(spec.label, old_text, new_text))
        if entry.action == "update" and not changes and not entry.message:
            continue  # only hidden fields changed
        rows.append(HistoryRow(at=entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC),
                               actor_name=entry.actor_name, action=ACTION_LABELS.get(entry.action, entry.action),
                               message=entry.message, changes=changes))
    return rows


def history_for(session: Session, obj: Any, *, limit: int = TRAIL_LIMIT) -> list[HistoryRow]:
    """An object's history for its page, newest first: one query for the trail, one for the names."""
    return readable(session, trail_for(session, obj, limit=limit))
