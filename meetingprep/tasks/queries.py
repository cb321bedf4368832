"""Read side of tasks: the ledger filter, 我的任务, the group board, the task page.

The ledger (``/tasks/``) understands these query-string parameters, so other pages (the dashboard,
the board) can link straight to a filtered view:

``group``       working-group id                         ``/tasks/?group=3``
``owner``       user id of the responsible person         ``/tasks/?owner=17``
``involving``   user id: tasks they own or co-work         ``/tasks/?involving=17&open=1`` (我的任务's "all")
``open=1``      only open tasks (not done, not cancelled)
``phase``       before | during | after (会前/会中/会后)
``status``      not_started | in_progress | submitted | done | returned | cancelled
``overdue=1``   only open tasks past their deadline (derived, never stored)
``due_within``  N: open tasks due within the next N days (not yet overdue)
``waiting=1``   only tasks whose predecessors are not accepted yet (等待前置任务)
``q``           free text in the title and description
``sort``        due | title | status | group | owner | progress | priority | updated; prefix ``-`` to reverse
``page``        1-based page number (``PAGE_SIZE`` rows per page)

Unknown or malformed values are ignored rather than refused, so a hand-edited link still works.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.orm import (
    aliased,
    contains_eager,
    joinedload,
    load_only,
    raiseload,
    selectinload,
    with_expression,
)

from meetingprep.audit import TRAIL_LIMIT, AuditEntry, TrailEntry
from meetingprep.audit import trail_select as audit_trail_select
from meetingprep.auth.models import User
from meetingprep.bounds import MAX_ID, parse_int
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.history import HistoryRow, readable
from meetingprep.meetings.models import Phase
from meetingprep.permissions import Role
from meetingprep.tasks.models import (
    HandOff,
    Task,
    TaskAttachment,
    TaskComment,
    TaskCoworker,
    TaskEvent,
    event_label,
    is_overdue,
    waiting_hand_offs,
    waits_for_predecessor,
)
from meetingprep.tasks.states import (
    BOARD_COLUMNS,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    STATUS_COLOURS,
    TaskStatus,
)
from meetingprep.timeutil import now
from meetingprep.versioned_cache import cached_value

#: (value, label) pairs of a pick list
PickList = tuple[tuple[int, str], ...]

BOARD_CARDS_PER_COLUMN = 30
DUE_SOON_DAYS = 7
HAND_OFF_CHOICES = 30  # the hand-off picker lists this many; search finds the rest
MINE_LIMIT = 50  # 我的任务 lists this many open tasks; the rest are one click away in the ledger
RECENTLY_CLOSED = 10

#: The task at the other end of a hand-off. Aliases live at module level: one made per call is a new
#: entity each time, and the ORM would build its loaders again for every statement.
_Linked = aliased(Task, name="linked")

#: 等待前置任务 as a column of the ledger's rows (models.waits_for_predecessor).
waiting_expr = waits_for_predecessor(Task.id).label("waiting")


def _waits(task_id) -> ColumnElement[bool]:
    """``waits_for_predecessor`` for one row, as a LIMITed scalar subquery so that it is evaluated per row:
    PostgreSQL turns an EXISTS into a hashed subplan over every open hand-off of the database."""
    return (waiting_hand_offs().where(HandOff.successor_id == task_id)
            .limit(1).scalar_subquery().is_not(None))


def _union_of(parts: Iterable[Select]) -> Subquery:
    """Several LIMITed selects (each over its own index range) as one subquery to order and cut again.

    Callers read plain columns from it and load the chosen tasks by id in a second query: an ORM
    entity aliased to the union is costly for SQLAlchemy to set up on every request, and ``Task.id IN
    (the union)`` makes PostgreSQL hash-join the whole tasks table.
    """
    return union_all(*(part.subquery().select() for part in parts)).subquery()


SORTS = {
    "due": (Task.due_at,),
    "title": (Task.title,),
    "status": (Task.status,),
    "group": (WorkingGroup.sort_order, WorkingGroup.id),
    "owner": (User.display_name,),
    "progress": (Task.progress,),
    "priority": (Task.priority,),
    "updated": (Task.updated_at,),
}


def _enum(enum_cls, value):
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class LedgerFilter:
    group: int | None = None
    owner: int | None = None
    involving: int | None = None
    phase: Phase | None = None
    status: TaskStatus | None = None
    open: bool = False
    overdue: bool = False
    due_within: int | None = None
    waiting: bool = False
    q: str = ""
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> LedgerFilter:
        sort = args.get("sort", "due")
        return cls(
            group=parse_int(args.get("group")), owner=parse_int(args.get("owner")),
            involving=parse_int(args.get("involving")),
            phase=_enum(Phase, args.get("phase")), status=_enum(TaskStatus, args.get("status")),
            open=args.get("open") == "1", overdue=args.get("overdue") == "1",
            due_within=parse_int(args.get("due_within"), 0, 3650),
            waiting=args.get("waiting") == "1", q=(args.get("q") or "").strip()[:100],
            sort=sort if sort.lstrip("-") in SORTS else "due", page=parse_int(args.get("page"), 1) or 1,
        )

    def args(self, **changes) -> dict[str, str]:
        """Query-string for links (sort headers, pagination, status counts); defaults left out."""
        values = replace(self, **changes)
        out = {}
        for f in fields(values):
            value = getattr(values, f.name)
            if value in (None, "", False) or (f.name, value) in (("sort", "due"), ("page", 1)):
                continue
            out[f.name] = "1" if value is True else str(value)
        return out

    @property
    def is_filtered(self) -> bool:
        return bool(self.args(sort="due", page=1))


def _filtered(meeting_id: int, filt: LedgerFilter, *, with_status: bool = True) -> Select:
    moment = now()
    stmt = select(Task).where(Task.meeting_id == meeting_id)
    if filt.group:
        stmt = stmt.where(Task.group_id == filt.group)
    if filt.owner:
        stmt = stmt.where(Task.owner_id == filt.owner)
    if filt.involving:
        stmt = stmt.where(Task.id.in_(_involving_ids(filt.involving)))
    if filt.phase:
        stmt = stmt.where(Task.phase == filt.phase)
    if with_status and filt.status:
        stmt = stmt.where(Task.status == filt.status)
    if filt.overdue:
        stmt = stmt.where(Task.is_overdue_at(moment))
    elif filt.open or filt.due_within is not None:
        stmt = stmt.where(Task.is_open)
    if filt.due_within is not None:
        stmt = stmt.where(Task.due_at >= moment,
                          Task.due_at <= moment + dt.timedelta(days=filt.due_within))
    if filt.waiting:
        stmt = stmt.where(waiting_expr)
    if filt.q:
        pattern = f"%{filt.q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Task.title.ilike(pattern), Task.description.ilike(pattern)))
    return stmt


#: What a row of the ledger, the board or 我的任务 shows: loading the texts (description, notes) and the
#: bookkeeping columns of every row would be most of the ORM's loading work. Others raise if touched.
_AS_A_ROW = load_only(Task.id, Task.meeting_id, Task.group_id, Task.owner_id, Task.title, Task.phase, Task.priority,
                      Task.due_at, Task.due_offset_days, Task.due_offset_time, Task.progress, Task.status,
                      Task.updated_at, raiseload=True)


def group_name(relationship, loader=joinedload):
    """Load a related working group by its name only (anything else raises)."""
    return loader(relationship).load_only(WorkingGroup.name, raiseload=True)


def person_name(relationship, loader=joinedload):
    """Load a related person by their name only: whole users — password hash, phone, e-mail … — for 50–150
    rows are loaded for nothing. Anything else raises."""
    return loader(relationship).load_only(User.display_name, raiseload=True)


#: A row's group and owner as the lists show them: their names.
GROUP_NAME = group_name(Task.group)
OWNER_NAME = person_name(Task.owner)
NAMES_OF_GROUP_AND_OWNER = (GROUP_NAME, OWNER_NAME)


def _ordered(meeting_id: int, filt: LedgerFilter) -> Select:
    """The filter in the chosen order, with group and owner loaded from the joins that sort by them
    (joinedload would join both tables a second time); nothing else lazy."""
    column, descending = filt.sort.lstrip("-"), filt.sort.startswith("-")
    order = [c.desc() if descending else c.asc() for c in SORTS[column]]
    return (_filtered(meeting_id, filt)
            .join(Task.group).join(Task.owner)
            .options(group_name(Task.group, contains_eager), person_name(Task.owner, contains_eager), raiseload("*"))
            .order_by(*order, Task.id))


def ledger_statement(meeting_id: int, filt: LedgerFilter) -> Select:
    """Rows as (Task, waiting) for the export: every row, so the EXISTS column is the right plan here."""
    return _ordered(meeting_id, filt).add_columns(waiting_expr)


def waiting_ids(task_ids: Collection[int]) -> set[int]:
    """Which of these tasks wait for an open predecessor, in one query over just these ids.

    For a page of rows this replaces the EXISTS column, which PostgreSQL planned as a hashed subplan
    over every open hand-off of the database even under LIMIT 50, which grows with the whole database.
    """
    if not task_ids:
        return set()
    return set(db.session.scalars(_waiting_ids_statement(), {"task_ids": list(task_ids)}))


@cache
def _waiting_ids_statement() -> Select:
    """Built once: building and keying it anew cost as much as running it."""
    return (waiting_hand_offs().distinct()
            .where(HandOff.successor_id.in_(bindparam("task_ids", expanding=True))))


def with_waiting(tasks: Sequence[Task]) -> list[tuple[Task, bool]]:
    waiting = waiting_ids([task.id for task in tasks])
    return [(task, task.id in waiting) for task in tasks]


class RowPagination(SelectPagination):
    """A ledger page of (Task, waiting) rows: the tasks in one query, their "waiting" flags in a second
    over the shown ids only. The total is not counted again: it is taken from the status counts the
    page shows anyway (``total``)."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return with_waiting(self._query_args["session"].scalars(stmt).all())

    def _query_count(self) -> int:
        return self._query_args["total"]


def ledger_page(meeting_id: int, filt: LedgerFilter, per_page: int,
                counts: Mapping[TaskStatus, int]) -> RowPagination:
    """``counts`` are ``status_counts`` for the same filter: the total is their sum (or the chosen status)."""
    total = counts[filt.status] if filt.status else sum(counts.values())
    return RowPagination(select=_ordered(meeting_id, filt).options(_AS_A_ROW), session=db.session(), page=filt.page,
                         per_page=per_page, max_per_page=per_page, error_out=False, total=total)


def ledger_counts(meeting_id: int, filt: LedgerFilter) -> dict[TaskStatus, int]:
    """``status_counts``, cached until the data changes (versioned_cache.py): they count every task of the
    filter. They ignore the status, order and page, so those share one copy."""
    return cached_value("ledger.counts", (meeting_id, replace(filt, status=None, sort="due", page=1)),
                        lambda: status_counts(meeting_id, filt))


def ledger_pick_lists(meeting_id: int) -> tuple[PickList, PickList, PickList]:
    """The ledger's group and owner filters and the bulk owner's choices as (value, label) pairs: every
    group member, the same for every view, so cached until the data changes (versioned_cache.py)."""
    def build():
        groups = tuple((group.id, group.name) for group in groups_of(meeting_id))
        members = tuple((uid, label) for _gid, uid, label in group_members(meeting_id))
        return groups, members, tuple(sorted(set(members), key=lambda item: item[1]))

    return cached_value("ledger.pick_lists", meeting_id, build)


def status_counts(meeting_id: int, filt: LedgerFilter) -> dict[TaskStatus, int]:
    """Counts per status for the filter minus its status, in one GROUP BY."""
    base = _filtered(meeting_id, filt, with_status=False).with_only_columns(Task.status).subquery()
    rows = db.session.execute(select(base.c.status, func.count()).group_by(base.c.status))
    counts = dict.fromkeys(TaskStatus, 0)
    counts.update({TaskStatus(status): n for status, n in rows})
    return counts


def export_rows(meeting_id: int, filt: LedgerFilter):
    """Every row of the filtered ledger (no pagination), streamed."""
    return db.session.execute(ledger_statement(meeting_id, filt).execution_options(yield_per=500))


# ── 我的任务 ─────────────────────────────────────────────────────────────────────────────────────
@dataclass
class MyTasks:
    """The most urgent open tasks as (Task, waiting) rows by bucket, the true number in each bucket
    (``counts``: overdue, due_soon, waiting, other, total), and the last few closed tasks."""

    overdue: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    other: list = field(default_factory=list)
    closed: list = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def shown(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.waiting) + len(self.other)

    @property
    def truncated(self) -> bool:
        return self.counts.get("total", 0) > self.shown


def _involving_ids(user_id: int) -> Select:
    """Ids of the tasks the user owns or co-works: both sides use an index (an OR with a correlated
    EXISTS would test every task of the meeting)."""
    return union(select(Task.id).where(Task.owner_id == user_id),
                 select(TaskCoworker.task_id).where(TaskCoworker.user_id == user_id))


def _open_tasks_of(user_id, meeting_id, *columns) -> Select:
    """The user's open tasks of the meeting: a UNION of what they own (found through
    ``ix_tasks_owner_id_meeting_id_status_due_at``) and what they co-work (their few co-worker rows)."""
    wanted = (Task.meeting_id == meeting_id, Task.is_open)
    return union(select(*columns).where(Task.owner_id == user_id, *wanted),
                 select(*columns).join(TaskCoworker, TaskCoworker.task_id == Task.id)
                 .where(TaskCoworker.user_id == user_id, TaskCoworker.meeting_id == meeting_id, *wanted))


# The statements below are UNIONs of up to eight SELECTs. Built once per process with bound parameters:
# building them (and their cache key) for every request would cost more than running them.
@cache
def _mine_ids_statement() -> Select:
    """The user's MINE_LIMIT open tasks due first and RECENTLY_CLOSED latest closed ones, as (id, status,
    due_at, updated_at): a LIMITed range of the owner index per status plus the co-worked tasks, so a
    thousand open tasks are not sorted to show fifty."""
    user_id, meeting_id = bindparam("user_id"), bindparam("meeting_id")
    columns = (Task.id, Task.status, Task.due_at, Task.updated_at)

    def index_ranges(statuses, order, limit):
        # one ordered, LIMITed index range per status (an IN list would sort them all): the open statuses are
        # Task.is_open's own, the closed ones the rest
        owned = (select(*columns).where(Task.owner_id == user_id, Task.meeting_id == meeting_id, Task.status == status)
                 .order_by(*order).limit(limit) for status in sorted(statuses))
        coworked = (select(*columns).join(TaskCoworker, TaskCoworker.task_id == Task.id)
                    .where(TaskCoworker.user_id == user_id, TaskCoworker.meeting_id == meeting_id,
                           Task.owner_id != user_id, Task.meeting_id == meeting_id,
                           Task.status.in_(sorted(statuses))).order_by(*order).limit(limit))
        return [*owned, coworked]

    return select(_union_of([*index_ranges(OPEN_STATUSES, (Task.due_at, Task.id), MINE_LIMIT),
                             *index_ranges(CLOSED_STATUSES, (Task.updated_at.desc(), Task.id), RECENTLY_CLOSED)]))


def _mine_ids(user_id: int, meeting_id: int) -> tuple[list[int], list[int]]:
    rows = db.session.execute(_mine_ids_statement(), {"user_id": user_id, "meeting_id": meeting_id}).all()
    urgent = sorted((r for r in rows if r.status.is_open), key=lambda r: (r.due_at, r.id))
    latest = sorted((r for r in rows if not r.status.is_open), key=lambda r: (-r.updated_at.timestamp(), r.id))
    return [r.id for r in urgent[:MINE_LIMIT]], [r.id for r in latest[:RECENTLY_CLOSED]]


@cache
def _bucket_counts_statement() -> Select:
    """How many open tasks fall in each bucket of 我的任务 (overdue first, then waiting, then due soon),
    in one GROUP BY over the user's open tasks; the hand-off test runs only for tasks not overdue.
    Counting them all is the one part of the page that grows with the user's tasks."""
    mine = _open_tasks_of(bindparam("user_id"), bindparam("meeting_id"),
                          Task.id, Task.due_at, Task.is_overdue_at(bindparam("moment")).label("overdue")).subquery()
    bucket = case((mine.c.overdue, "overdue"), (_waits(mine.c.id), "waiting"),
                  (mine.c.due_at <= bindparam("soon"), "due_soon"), else_="other").label("bucket")
    return select(bucket, func.count()).group_by(bucket)


def _bucket_counts(user_id: int, meeting_id: int, moment: dt.datetime, soon: dt.datetime) -> dict[str, int]:
    counts = dict.fromkeys(("overdue", "waiting", "due_soon", "other"), 0)
    counts.update(db.session.execute(_bucket_counts_statement(), {
        "user_id": user_id, "meeting_id": meeting_id, "moment": moment, "soon": soon}).all())
    counts["total"] = sum(counts.values())
    return counts


def my_tasks(user: User, meeting_id: int) -> MyTasks:
    """The MINE_LIMIT most urgent open tasks the user owns or co-works, bucketed, with the true count
    of each bucket; plus the last few closed. Three queries (ids, rows, counts — cached until anything
    changes, versioned_cache.py), whatever the number of tasks."""
    moment = now()
    soon = moment + dt.timedelta(days=DUE_SOON_DAYS)
    urgent_ids, closed_ids = _mine_ids(user.id, meeting_id)
    loaded = {task.id: (task, waiting) for task, waiting in db.session.execute(
        select(Task, _waits(Task.id)).where(Task.id.in_(urgent_ids + closed_ids))
        .options(_AS_A_ROW, *NAMES_OF_GROUP_AND_OWNER, raiseload("*")))}
    mine = MyTasks(counts=cached_value("mine.counts", (user.id, meeting_id),
                                       lambda: _bucket_counts(user.id, meeting_id, moment, soon)))
    for task, waiting in (loaded[i] for i in urgent_ids if i in loaded):
        if task.is_overdue_at(moment):
            mine.overdue.append((task, waiting))
        elif waiting:
            mine.waiting.append((task, waiting))
        elif task.due_at <= soon:
            mine.due_soon.append((task, waiting))
        else:
            mine.other.append((task, waiting))
    mine.closed = [loaded[i][0] for i in closed_ids if i in loaded]
    return mine


# ── the group board ─────────────────────────────────────────────────────────────────────────────
def _column_order(status: TaskStatus) -> tuple:
    """Open columns: most urgent first; closed columns: most recently closed first."""
    return (Task.due_at, Task.id) if status.is_open else (Task.updated_at.desc(), Task.id)


@cache
def _board_ids_statement() -> Select:
    in_group = and_(Task.meeting_id == bindparam("meeting_id"), Task.group_id == bindparam("group_id"))
    return select(_union_of(
        select(Task.id).where(in_group, Task.status == status).order_by(*_column_order(status))
        .limit(BOARD_CARDS_PER_COLUMN) for status in BOARD_COLUMNS))


@cache
def _board_cards_statement() -> Select:
    return (select(Task).where(Task.id.in_(bindparam("ids", expanding=True)))
            .options(_AS_A_ROW, OWNER_NAME, raiseload("*"))
            .order_by(Task.due_at, Task.id))


def board(meeting_id: int, group_id: int) -> tuple[dict[TaskStatus, list[Task]], dict[TaskStatus, int]]:
    """At most BOARD_CARDS_PER_COLUMN cards per status (open: most urgent first; closed: latest first),
    with each column's true total. Three queries whatever the group's size: the cards' ids are a UNION
    ALL of one LIMITed index range per column over the (meeting, group, status, due_at | updated_at) indexes
    (ranking the whole group with a window function grows with the group), then the cards by id,
    then the totals in a GROUP BY, cached until the data changes (versioned_cache.py)."""
    in_group = and_(Task.meeting_id == meeting_id, Task.group_id == group_id)
    shown = db.session.scalars(_board_ids_statement(), {"meeting_id": meeting_id, "group_id": group_id}).all()
    cards = db.session.scalars(_board_cards_statement(), {"ids": shown}).all()
    columns: dict[TaskStatus, list[Task]] = {status: [] for status in BOARD_COLUMNS}
    for task in cards:
        columns[task.status].append(task)
    for status in (status for status in BOARD_COLUMNS if not status.is_open):
        columns[status].sort(key=lambda t: t.updated_at, reverse=True)
    return columns, cached_value("board.totals", (meeting_id, group_id), lambda: _board_totals(in_group))


def _board_totals(in_group) -> dict[TaskStatus, int]:
    """Each column's true total: counts every task of the group, so cached until the data changes."""
    totals = dict.fromkeys(BOARD_COLUMNS, 0)
    totals.update({TaskStatus(s): n for s, n in db.session.execute(
        select(Task.status, func.count()).where(in_group).group_by(Task.status))})
    return totals


def group_summary(group_id: int) -> tuple[dict[TaskStatus, int], int]:
    """Counts per status and the number overdue, for the group page, in one GROUP BY."""
    overdue = func.sum(case((Task.is_overdue_at(now()), 1), else_=0))
    totals = dict.fromkeys(BOARD_COLUMNS, 0)
    late = 0
    for status, count, overdue_count in db.session.execute(
            select(Task.status, func.count(), overdue).where(Task.group_id == group_id).group_by(Task.status)):
        totals[TaskStatus(status)] = count
        late += overdue_count or 0
    return totals, late


# ── the task page ───────────────────────────────────────────────────────────────────────────────
@cache
def _task_for_page_statement() -> Select:
    """The task with what its page shows of it, and whether its hand-offs, comments and evidence exist (EXISTS
    subqueries in the same statement, so that ``task_page`` skips the lists that are empty)."""
    handoffs = or_(exists().where(HandOff.predecessor_id == Task.id),
                   exists().where(HandOff.successor_id == Task.id))
    comments = exists().where(TaskComment.task_id == Task.id)
    evidence = exists().where(TaskAttachment.task_id == Task.id, TaskAttachment.is_evidence.is_(True))
    return select(Task).where(Task.id == bindparam("task_id")).options(
        GROUP_NAME, OWNER_NAME, person_name(Task.submitted_by), person_name(Task.accepted_by),
        joinedload(Task.coworkers).joinedload(TaskCoworker.user).load_only(User.display_name, raiseload=True),
        with_expression(Task.has_handoffs, handoffs), with_expression(Task.has_comments, comments),
        with_expression(Task.has_evidence, evidence))


def task_for_page(task_id: int) -> Task | None:
    return db.session.execute(_task_for_page_statement(), {"task_id": task_id}).unique().scalar_one_or_none()


def task_for_update(task_id: int) -> Task | None:
    return db.session.scalar(select(Task).where(Task.id == task_id).options(selectinload(Task.coworkers)))


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the task's 办理经过 as the page draws it: read-only, so a row rather than an entity."""

    action: str
    from_status: TaskStatus
    to_status: TaskStatus
    note: str
    at: dt.datetime
    actor_name: str | None  # None: 系统 (or a deleted user)

    @property
    def action_label(self) -> str:
        return event_label(self.action)


@dataclass(frozen=True, slots=True)
class HandOffRow:
    """A hand-off as the task page lists it: the link, and the task at its other end by what is shown of it
    (a row: entities for both ends would be loaded only to show these few columns)."""

    hand_off_id: int
    is_predecessor: bool  # the other task must be done first
    id: int  # the other task's
    title: str
    status: TaskStatus
    due_at: dt.datetime
    group_name: str

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    def is_overdue_at(self, moment: dt.datetime) -> bool:
        return is_overdue(self.status, self.due_at, moment)


@dataclass
class TaskPage:
    predecessors: list[HandOffRow]
    successors: list[HandOffRow]
    events: list[Step]
    comments: list[TaskComment]
    evidence: list[TaskAttachment]
    audit: list[HistoryRow]  # the trail as a person reads it

    @property
    def waiting_on(self) -> list[HandOffRow]:
        """The predecessors still open: the task waits for these (a cancelled one holds nothing up)."""
        return [h for h in self.predecessors if h.status.is_open]


@cache
def _task_page_statements() -> tuple[Select, ...]:
    """The task page's lists, built once per process: building a statement costs more than running it."""
    task_id, other = bindparam("task_id"), _Linked
    hand_offs = (select(HandOff.id, (HandOff.predecessor_id == other.id).label("is_predecessor"), other.id,
                    other.title, other.status, other.due_at, WorkingGroup.name).join(other, or_(
        and_(HandOff.successor_id == task_id, other.id == HandOff.predecessor_id),
        and_(HandOff.predecessor_id == task_id, other.id == HandOff.successor_id)))
        .join(WorkingGroup, WorkingGroup.id == other.group_id).order_by(other.due_at, other.id))
    history = _history_statement()
    comments = (select(TaskComment).where(TaskComment.task_id == task_id)
                .options(person_name(TaskComment.author), selectinload(TaskComment.attachments))
                .order_by(TaskComment.id).limit(500))
    evidence = (select(TaskAttachment).where(TaskAttachment.task_id == task_id, TaskAttachment.is_evidence.is_(True))
                .options(person_name(TaskAttachment.uploaded_by)).order_by(TaskAttachment.id))
    return hand_offs, history, comments, evidence


def task_page(task: Task) -> TaskPage:
    """The page's lists. One known to be empty (``task_for_page``'s flags) is not queried; without the flags
    (a task loaded otherwise) every list is. The read-only ones — hand-offs, 办理经过, the trail — are rows;
    comments and evidence, whose attachments are served by id, are entities."""
    hand_offs_statement, history_statement, comments_statement, evidence_statement = _task_page_statements()
    params = {"task_id": task.id}

    def entities(flag: bool | None, statement: Select) -> list:
        return [] if flag is False else list(db.session.scalars(statement, params))

    db.session.flush()  # rows are read on the connection: pending changes (their audit entries) written first
    connection = db.session.connection()
    handoffs = [] if task.has_handoffs is False else [
        HandOffRow(*row) for row in connection.execute(hand_offs_statement, params)]
    history = connection.execute(history_statement, params).all()
    steps = sorted((row for row in history if row.kind == STEP), key=lambda row: row.id)
    trail = sorted((row for row in history if row.kind == TRAIL), key=lambda row: row.id, reverse=True)
    comments = entities(task.has_comments, comments_statement)
    evidence = entities(task.has_evidence, evidence_statement)
    return TaskPage(predecessors=[h for h in handoffs if h.is_predecessor],
                    successors=[h for h in handoffs if not h.is_predecessor],
                    events=[Step(r.action, r.from_status, r.to_status, r.text, r.at, r.actor_name) for r in steps],
                    comments=comments, evidence=evidence,
                    audit=readable(db.session, [TrailEntry(r.id, r.at, r.action, r.object_type, r.text, r.changes,
                                                           r.meeting_id, r.actor_name) for r in trail]))


STEP, TRAIL = 0, 1


@cache
def _history_statement() -> CompoundSelect:
    """The task's 办理经过 (its TaskEvents) and its audit trail in one statement, a round trip less on
    PostgreSQL: both are read-only lists of the same task, drawn as rows. ``kind`` tells them apart; the
    columns one kind lacks are NULL, typed so that the other kind's values come back as Python values."""
    task_id = bindparam("task_id")
    trail = audit_trail_select(literal("Task"), task_id, TRAIL_LIMIT).subquery()
    steps = (select(literal(STEP).label("kind"), TaskEvent.id, TaskEvent.at, TaskEvent.action, TaskEvent.from_status,
                    TaskEvent.to_status, TaskEvent.note.label("text"), type_coerce(null(), AuditEntry.changes.type)
                    .label("changes"), null().label("object_type"), null().label("meeting_id"),
                    User.display_name.label("actor_name"))
             .outerjoin(User, User.id == TaskEvent.actor_id).where(TaskEvent.task_id == task_id))
    entries = select(literal(TRAIL), trail.c.id, trail.c.at, trail.c.action, null(), null(), trail.c.message,
                     trail.c.changes, trail.c.object_type, trail.c.meeting_id, trail.c.actor_name)
    return union_all(steps, entries)


#: The statuses a hand-off's predecessor may have (a cancelled task holds nothing up), one index range each.
_MAY_PRECEDE = [status for status in BOARD_COLUMNS if status != TaskStatus.CANCELLED]


def _labels(rows) -> list[tuple[int, str]]:
    return [(tid, f"{group}｜{title}") for tid, title, group in rows]


def _choice_statement(found: Subquery, limit: int, first_id=None) -> Select:
    order = [case((found.c.id == first_id, 0), else_=1)] if first_id is not None else []
    return (select(found.c.id, found.c.title, WorkingGroup.name).join(WorkingGroup, WorkingGroup.id == found.c.group_id)
            .order_by(*order, found.c.due_at, found.c.id).limit(limit))


def _choice_rows(found: Subquery, limit: int, first_id: int | None = None) -> list[tuple[int, str]]:
    return _labels(db.session.execute(_choice_statement(found, limit, first_id)))


@cache
def _own_group_choices_statement() -> Select:
    """The picker without a search: the group's tasks by deadline, one LIMITed index range per status. One more
    than shown, so that the same list serves every task of the group (each leaves itself out)."""
    columns = (Task.id, Task.title, Task.group_id, Task.due_at)
    in_group = (Task.meeting_id == bindparam("meeting_id"), Task.group_id == bindparam("group_id"))
    return _choice_statement(_union_of(
        select(*columns).where(*in_group, Task.status == status).order_by(Task.due_at, Task.id)
        .limit(HAND_OFF_CHOICES + 1) for status in _MAY_PRECEDE), HAND_OFF_CHOICES + 1)


def _own_group_hand_off_choices(meeting_id: int, group_id: int) -> list[tuple[int, str]]:
    """Kept until anything changes (versioned_cache.py): every task page of the group shows the same list."""
    return cached_value("task.own_group_hand_off_choices", (meeting_id, group_id), lambda: _labels(
        db.session.execute(_own_group_choices_statement(), {"meeting_id": meeting_id, "group_id": group_id})))


def hand_off_candidates(task: Task, q: str = "", limit: int = HAND_OFF_CHOICES) -> list[tuple[int, str]]:
    """Choices for the hand-off picker, by deadline: without ``q`` the task's own group (one LIMITed
    index range per status of the group index), with ``q`` any task of the meeting whose title contains it, or
    whose number it is ("#123"). Sorting the whole meeting by group and deadline to keep a few hundred took
    time growing with the meeting on every task page, and still hid most of them."""
    q = q.strip()[:100]
    if not q and limit == HAND_OFF_CHOICES:
        own = _own_group_hand_off_choices(task.meeting_id, task.group_id)
        return [choice for choice in own if choice[0] != task.id][:HAND_OFF_CHOICES]
    columns = (Task.id, Task.title, Task.group_id, Task.due_at)
    eligible = (Task.meeting_id == task.meeting_id, Task.id != task.id)
    may_precede = _MAY_PRECEDE
    if not q:
        return _choice_rows(_union_of(
            select(*columns).where(*eligible, Task.group_id == task.group_id, Task.status == status)
            .order_by(Task.due_at, Task.id).limit(limit) for status in may_precede), limit)
    pattern = f"%{q.replace('%', '').replace('_', '')}%"
    parts = [select(*columns).where(*eligible, Task.status.in_(may_precede), Task.title.ilike(pattern))
             .order_by(Task.due_at, Task.id).limit(limit)]
    number = parse_int(q.removeprefix("#").strip(), maximum=MAX_ID)
    if number:
        parts.append(select(*columns).where(*eligible, Task.status.in_(may_precede), Task.id == number))
    return _choice_rows(_union_of(parts), limit, number)


def hand_off_choice(task: Task, candidate_id: int | None) -> list[tuple[int, str]]:
    """The one choice a posted hand-off may name: any task of the meeting but this one, not cancelled
    (the picker lists only some; the rest are found by search)."""
    if not candidate_id:
        return []
    rows = db.session.execute(
        select(Task.id, Task.title, WorkingGroup.name).join(WorkingGroup, WorkingGroup.id == Task.group_id)
        .where(Task.id == candidate_id, Task.meeting_id == task.meeting_id, Task.id != task.id,
               Task.status != TaskStatus.CANCELLED))
    return _labels(rows)


# ── pick lists for forms ────────────────────────────────────────────────────────────────────────
def groups_of(meeting_id: int) -> list[WorkingGroup]:
    return db.session.scalars(select(WorkingGroup).where(WorkingGroup.meeting_id == meeting_id)
                              .order_by(WorkingGroup.sort_order, WorkingGroup.id)).all()


def group_members(meeting_id: int) -> list[tuple[int, int, str]]:
    """(group_id, user_id, label) for every membership of the meeting's groups."""
    rows = db.session.execute(
        select(GroupMembership.group_id, User.id, User.display_name, WorkingGroup.name)
        .join(User, User.id == GroupMembership.user_id).join(WorkingGroup, WorkingGroup.id == GroupMembership.group_id)
        .where(WorkingGroup.meeting_id == meeting_id, User.is_active_account.is_(True))
        .order_by(WorkingGroup.sort_order, WorkingGroup.id, GroupMembership.is_lead.desc(), User.display_name))
    return [(gid, uid, f"{name}（{group}）") for gid, uid, name, group in rows]


def active_workers() -> list[tuple[int, str]]:
    rows = db.session.execute(select(User.id, User.display_name, User.username).where(
        User.is_active_account.is_(True), User.role.not_in([Role.MEMBER, Role.LEADER])).order_by(User.display_name))
    return [(uid, f"{name}（{username}）") for uid, name, username in rows]
