"""An archived (归档) meeting is read-only: every write to its records is refused, here and only here.

The rule sits where every ORM write passes — the session's flush — so no view, service, CLI command or
scheduler job can forget it. It is checked before the flush sends anything (``before_flush``), so a refused
session is as usable as after any other refusal: the views turn the ``MeetingClosed`` into the form's error
(input kept) or the error page, never a 500. A new row linked to nothing loaded yet (its parent's id not
set, no parent object in hand) is checked once the flush has filled in its keys (``after_flush``); raising
there rolls the flush back, and the views' usual rollback recovers.

Which rows belong to which meeting is read from the schema, not listed by hand: a table with a foreign key
to ``meetings.id`` belongs to the meeting it names; a table with a foreign key to such a table belongs to
that row's meeting, and so on (a check-in → its sitting → the meeting; a review decision → its document).
A table another domain adds later is covered the day it is created. The tables that are not the meeting's
record — messages to people, caches, the archive's own bookkeeping, access links — are named in
``NOT_THE_RECORD`` with the reason; tests/archive/test_closure.py lists what is covered.

Statements that bypass the flush (Core ``insert``/``update``/``delete``) are not seen here. The services
that issue them also change an ORM row of the same meeting in the same transaction (closing a sitting sets
its ``closed_at`` beside freezing its roll), so such a transaction is refused as a whole.

A write whose transaction was already under way when the meeting closed may still commit (a moment's
race, not a gap): the bundle is built from the committed data afterwards, so it holds that write too.

Cost: the meeting a request writes to is nearly always the current one, which the request has already
loaded with its login (``request_state``): its ``closed_at`` is read from that object, with no query. Other
meetings, and rows reached through a parent that is not loaded, cost one small query per flush.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Mapper, Session

from meetingprep.db import Base
from meetingprep.errors import DomainError
from meetingprep.meetings.models import Meeting

#: Tables that point at a meeting but are not its record, so they stay writable after it is archived.
NOT_THE_RECORD: dict[str, str] = {
    "notifications": "messages to people (the archive's and the reopening's own notices among them)",
    "dashboard_snapshots": "figures computed from the record, a cache",
    "meeting_archives": "the archive's own job: its progress is written while the meeting is closed",
    "kiosk_links": "access links: revoking a wall screen's link must stay possible",
    "group_webhooks": "a chat robot's address and secret: turning one off must stay possible",
    "material_receipts": "who opened a material when: members may still read an archived meeting's materials",
    "notice_recipients": "who read a notice when: an archived meeting's notices may still be read",
    "plan_pending_imports": "a staged upload, purged after a day; the import itself writes tasks, which are refused",
    "plan_templates": "a copy of the plan for the next meeting: saving it from an archived meeting is the point",
}
#: A closed meeting's own row may still change in these: being reopened, and no longer (or again) current.
MEETING_COLUMNS_WHILE_CLOSED = frozenset({"closed_at", "is_current", "version_id"})
MEETINGS = Meeting.__tablename__


class MeetingClosed(DomainError):
    """A write to an archived meeting's records."""

    status_code = 409

    def __init__(self, meeting_name: str):
        super().__init__(f"「{meeting_name}」已归档，会议资料只读，不能再修改。"
                         "如确需修改，请联系系统管理员重新打开该会议。")


def ensure_open(meeting: Meeting) -> None:
    """The friendly check a view makes before it offers a form for an archived meeting (the flush refuses
    the write in any case)."""
    if meeting.is_closed:
        raise MeetingClosed(meeting.display_name)


# ── which tables belong to a meeting ───────────────────────────────────────────────────────────
@cache
def owned_tables() -> dict[str, tuple[tuple[str, str | None], ...]]:
    """table → its (column, parent table) links towards the meeting, direct ones first; parent None: the
    column holds the meeting's id. Built once from the complete metadata (every model is imported by then)."""
    tables = {name: table for name, table in Base.metadata.tables.items()
              if name != MEETINGS and name not in NOT_THE_RECORD}
    owned: set[str] = set()
    grown = True
    while grown:
        grown = False
        for name, table in tables.items():
            if name in owned:
                continue
            if any(fk.column.name == "id" and fk.column.table.name in owned | {MEETINGS} for fk in table.foreign_keys):
                owned.add(name)
                grown = True
    links = {}
    for name in sorted(owned):
        keys = sorted(tables[name].foreign_keys, key=lambda fk: (fk.column.table.name != MEETINGS, fk.parent.name))
        links[name] = tuple((fk.parent.name, None if fk.column.table.name == MEETINGS else fk.column.table.name)
                            for fk in keys if fk.column.name == "id"
                            and (fk.column.table.name == MEETINGS or fk.column.table.name in owned))
    return links


@cache
def _mapped() -> dict[str, Mapper]:
    return {mapper.local_table.name: mapper for mapper in Base.registry.mappers}


@cache
def _attribute_links(mapper: Mapper) -> tuple[tuple[str, str | None], ...]:
    """The mapper's attribute names for its table's links (a column may be mapped under another name)."""
    table = mapper.local_table
    return tuple((mapper.get_property_by_column(table.c[column]).key, parent)
                 for column, parent in owned_tables().get(table.name, ()))


# ── the guard ──────────────────────────────────────────────────────────────────────────────────
class _Owners:
    """The meetings that the flushed rows belong to, found from loaded objects where possible."""

    def __init__(self, session: Session):
        self.session = session
        self.meetings: set[int] = set()
        self.pending: dict[str, set[int]] = defaultdict(set)
        self.seen: set[tuple[str, int]] = set()

    def add_object(self, obj, *, deleted: bool = False) -> bool:
        """False when nothing in hand says where the row belongs (a new row linked by a relationship the other
        way round): ask again after the flush has filled in its keys."""
        state = inspect(obj)
        mapper = state.mapper
        links = _attribute_links(mapper)
        if not links or self._follow(state.dict, links):
            return True
        for key, parent in _relationship_links(mapper):  # linked by object, its key not copied in yet
            related = state.dict.get(key)
            if related is None:
                continue
            if parent is None:
                identity = inspect(related).identity
                if identity:  # a meeting still being created cannot be closed
                    self.meetings.add(identity[0])
                return True
            if self.add_object(related):
                return True
        if not deleted and state.identity:  # persistent, its key not loaded: ask the row itself
            self.pending[mapper.local_table.name].add(state.identity[0])
            return True
        return deleted

    def _follow(self, values: dict, links) -> bool:
        for key, parent in links:
            value = values.get(key)
            if value is None:
                continue
            if parent is None:
                self.meetings.add(value)
            elif (parent, value) not in self.seen:
                self.pending[parent].add(value)
            return True
        return False

    def resolve(self) -> set[int]:
        while self.pending:
            table_name, ids = self.pending.popitem()
            ids = {i for i in ids if (table_name, i) not in self.seen}
            self.seen.update((table_name, i) for i in ids)
            mapper = _mapped().get(table_name)
            unknown = set()
            for row_id in ids:
                loaded = self.session.identity_map.get(mapper.identity_key_from_primary_key([row_id])) \
                    if mapper is not None else None
                if loaded is None or not self._follow(inspect(loaded).dict, _attribute_links(mapper)):
                    unknown.add(row_id)
            if unknown:
                self._query(table_name, unknown)
        return self.meetings

    def _query(self, table_name: str, ids: set[int]) -> None:
        table = Base.metadata.tables[table_name]
        links = owned_tables()[table_name]
        rows = self.session.connection().execute(
            select(table.c.id, *(table.c[column] for column, _parent in links)).where(table.c.id.in_(ids)))
        for row in rows:
            self._follow(dict(zip([column for column, _ in links], row[1:], strict=True)), links)

    def refuse_if_closed(self) -> None:
        if self.meetings or self.pending:
            name = _closed_among(self.session, self.resolve())
            if name is not None:
                raise MeetingClosed(name)


@cache
def _relationship_links(mapper: Mapper) -> tuple[tuple[str, str | None], ...]:
    """Many-to-one relationships over a link column: (relationship name, the parent's table)."""
    parents = dict(owned_tables().get(mapper.local_table.name, ()))
    found = []
    for relationship in mapper.relationships:
        if relationship.direction.name != "MANYTOONE":
            continue
        for column in relationship.local_columns:
            if column.name in parents:
                found.append((relationship.key, parents[column.name]))
                break
    return tuple(found)


def _closed_among(session: Session, meeting_ids: set[int]) -> str | None:
    """The name of one of these meetings that is closed as this transaction sees it, or None."""
    unknown = set()
    for meeting_id in meeting_ids:
        meeting = session.identity_map.get(inspect(Meeting).identity_key_from_primary_key([meeting_id]))
        values = inspect(meeting).dict if meeting is not None else {}
        if "closed_at" not in values:
            unknown.add(meeting_id)
        elif values["closed_at"] is not None:
            return meeting.display_name
    if not unknown:
        return None
    row = session.connection().execute(
        select(Meeting.short_name, Meeting.name).where(Meeting.id.in_(unknown), Meeting.closed_at.is_not(None))
        .limit(1)).first()
    return (row.short_name or row.name) if row is not None else None


def _refused_meeting_change(session: Session, meeting: Meeting, *, deleted: bool) -> bool:
    """A closed meeting's own row (checked before the flush): only reopening it and moving the current flag
    may touch it."""
    state = inspect(meeting)
    history = state.attrs.closed_at.history
    if history.deleted or history.unchanged:
        before = (history.deleted or history.unchanged)[0]
    else:  # not loaded before this change (or at all): the row still holds the value from before
        before = session.connection().scalar(select(Meeting.closed_at).where(Meeting.id == meeting.id))
    if before is None:
        return False
    if deleted:
        return True
    changed = {prop.key for prop in state.mapper.column_attrs if state.attrs[prop.key].history.has_changes()}
    return bool(changed - MEETING_COLUMNS_WHILE_CLOSED)


_LATER = "closure_check_after_flush"


@event.listens_for(Session, "before_flush")
def _refuse_writes_to_closed_meetings(session: Session, _context, _instances) -> None:
    owners = _Owners(session)
    later = []
    for kind, objects in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            if isinstance(obj, Meeting):
                if kind != "new" and _refused_meeting_change(session, obj, deleted=kind == "deleted"):
                    raise MeetingClosed(obj.display_name)
                continue
            if kind == "dirty" and not session.is_modified(obj):
                continue
            if not owners.add_object(obj, deleted=kind == "deleted"):
                later.append(obj)
    owners.refuse_if_closed()
    if later:
        session.info.setdefault(_LATER, []).extend(later)


@event.listens_for(Session, "after_flush")
def _refuse_rows_linked_during_the_flush(session: Session, _context) -> None:
    later = session.info.pop(_LATER, None)
    if not later:
        return
    owners = _Owners(session)
    for obj in later:
        owners.add_object(obj)
    owners.refuse_if_closed()


@event.listens_for(Session, "after_soft_rollback")
def _forget_later(session: Session, _previous) -> None:
    session.info.pop(_LATER, None)
