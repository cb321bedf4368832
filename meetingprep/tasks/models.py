from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Select,
    String,
    Text,
    Time,
    UniqueConstraint,
    and_,
    bindparam,
    exists,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, aliased, mapped_column, query_expression, relationship

from meetingprep import uploads
from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.meetings.models import Phase
from meetingprep.tasks.states import OPEN_IN_ORDER, OPEN_STATUSES, STATUS_COLOURS, TaskAction, TaskStatus
from meetingprep.timeutil import now

#: TaskEvent actions that are not transitions of the state machine.
EVENT_LABELS = {"create": "创建任务"}


class TaskPriority(LabeledEnum):
    NORMAL = "normal", "一般"
    HIGH = "high", "重要"
    URGENT = "urgent", "紧急"


#: The open-task index's predicate, spelled as SQL renders ``Task.is_open`` (SQLite uses a partial index only
#: for a query term identical to it).
OPEN_PREDICATE = "status IN ({})".format(", ".join(f"'{status.value}'" for status in OPEN_IN_ORDER))


def is_overdue(status: TaskStatus, due_at: dt.datetime, moment: dt.datetime) -> bool:
    """逾期: still open past its time node (derived, never stored). ``Task.is_overdue_at`` is this rule for
    tasks and in SQL; rows that carry a task's status and deadline (tasks.queries.HandOffRow) ask it here."""
    return status in OPEN_STATUSES and due_at < moment


@lru_cache(maxsize=1024)
def _relative_due_label(days: int, clock: dt.time | None) -> str:
    """A few dozen distinct rules label every task of a plan: drawn once each (150 board cards a page)."""
    when = "开幕当天" if days == 0 else f"开幕{'前' if days < 0 else '后'} {abs(days)} 天"
    return f"{when} {clock:%H:%M}" if clock else when


class Task(Audited, Base):
    """A duty pinned to a specific matter, person and time node (事、人、时间节点).

    ``due_at`` is always the absolute deadline (UTC). When ``due_offset_days`` is set the deadline is
    relative to the meeting's opening (开幕前 7 天 17:00 = -7 days at 17:00 local) and ``due_at`` is
    recomputed whenever the opening moves.
    """

    __tablename__ = "tasks"
    __audit_label__ = "任务"
    __table_args__ = (
        Index("ix_tasks_meeting_id_status_due_at", "meeting_id", "status", "due_at"),
        # The ledger's default order, unfiltered, with its tie-breaker: deadlines share a day and hour, and
        # without ``id`` PostgreSQL reads and sorts every tie of the page's last deadline, not just the page.
        Index("ix_tasks_meeting_id_due_at_id", "meeting_id", "due_at", "id"),
        # The group board walks each column in its own order and stops at 30 cards: open columns by
        # deadline, closed ones latest first. The first also serves counts per group and status.
        Index("ix_tasks_meeting_id_group_id_status_due_at", "meeting_id", "group_id", "status", "due_at"),
        Index("ix_tasks_meeting_id_group_id_status_updated_at", "meeting_id", "group_id", "status", "updated_at"),
        # 我的任务: the owner's open tasks of a meeting by deadline, and their counts, from the index alone
        Index("ix_tasks_owner_id_meeting_id_status_due_at", "owner_id", "meeting_id", "status", "due_at"),
        # The overdue and open filters in the ledger's order: only open tasks, so the oldest deadlines — mostly
        # done — are not stepped over to find a page. Used when a query spells OPEN_PREDICATE (Task.is_open).
        Index("ix_tasks_open_meeting_id_due_at_id", "meeting_id", "due_at", "id",
              sqlite_where=text(OPEN_PREDICATE), postgresql_where=text(OPEN_PREDICATE)),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="RESTRICT"),
                                          info={"label": "责任组"})
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), info={"label": "责任人"})
    title: Mapped[str] = mapped_column(String(200), info={"label": "任务"})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": "说明"})
    phase: Mapped[Phase] = mapped_column(enum_column(Phase), default=Phase.BEFORE, info={"label": "阶段"})
    priority: Mapped[TaskPriority] = mapped_column(enum_column(TaskPriority), default=TaskPriority.NORMAL,
                                                   info={"label": "优先级"})
    starts_on: Mapped[dt.date | None] = mapped_column(Date, info={"label": "开始日期"})
    due_at: Mapped[dt.datetime] = mapped_column(info={"label": "时间节点"})
    due_offset_days: Mapped[int | None] = mapped_column(info={"label": "距开幕天数"})
    due_offset_time: Mapped[dt.time | None] = mapped_column(Time, info={"label": "节点时刻"})
    progress: Mapped[int] = mapped_column(default=0, info={"label": "进度"})
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.NOT_STARTED,
                                               info={"label": "状态"})
    completion_note: Mapped[str] = mapped_column(Text, default="", info={"label": "完成情况"})
    status_note: Mapped[str] = mapped_column(Text, default="", info={"label": "退回/取消原因"})
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                        info={"label": "提交人"})
    submitted_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "提交时间"})
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                       info={"label": "验收人"})
    accepted_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "验收时间"})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now, onupdate=now)
    version_id: Mapped[int] = mapped_column(default=1)

    meeting = relationship("Meeting", lazy="raise")
    group = relationship("WorkingGroup", lazy="raise")
    owner = relationship("User", foreign_keys=[owner_id], lazy="raise")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id], lazy="raise")
    accepted_by = relationship("User", foreign_keys=[accepted_by_id], lazy="raise")
    coworkers: Mapped[list[TaskCoworker]] = relationship(back_populates="task", cascade="all, delete-orphan",
                                                         lazy="raise")

    #: Whether the task page's optional lists have rows: loaded by ``tasks.queries.task_for_page`` in the task's
    #: own query, None on any other load. A list known to be empty is not queried (a round trip each on PostgreSQL).
    has_handoffs: Mapped[bool | None] = query_expression()
    has_comments: Mapped[bool | None] = query_expression()
    has_evidence: Mapped[bool | None] = query_expression()

    __mapper_args__ = {"version_id_col": version_id}

    @hybrid_property
    def is_open(self) -> bool:
        """Not yet done or cancelled: what the lists call 未办结."""
        return self.status in OPEN_STATUSES

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls) -> ColumnElement[bool]:
        # The statuses are written into the SQL as OPEN_PREDICATE spells them: as bound parameters neither
        # SQLite nor a prepared PostgreSQL plan could tell that the open-task partial index applies.
        return cls.status.in_(bindparam("open_statuses", list(OPEN_IN_ORDER), expanding=True, literal_execute=True))

    @hybrid_method
    def is_overdue_at(self, moment: dt.datetime) -> bool:
        """逾期 at that moment: still open past its time node."""
        return is_overdue(self.status, self.due_at, moment)

    @is_overdue_at.inplace.expression
    @classmethod
    def _is_overdue_at_expression(cls, moment) -> ColumnElement[bool]:
        return and_(cls.is_open, cls.due_at < moment)

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_at(now())

    @property
    def is_relative(self) -> bool:
        return self.due_offset_days is not None

    @property
    def relative_due_label(self) -> str:
        """开幕前 7 天 17:00 / 开幕当天 09:00 / 开幕后 2 天 17:00 — empty for absolute deadlines."""
        if self.due_offset_days is None:
            return ""
        return _relative_due_label(self.due_offset_days, self.due_offset_time)

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def coworker_user_ids(self) -> frozenset[int]:
        return frozenset(link.user_id for link in self.coworkers)

    def audit_title(self) -> str:
        return self.title[:200]


def _meeting_of_task(context) -> int:
    """Column default of TaskCoworker.meeting_id: its task's meeting, asked at insert time (one row at a time
    also in a bulk insert that leaves it out)."""
    task_id = context.get_current_parameters()["task_id"]
    return context.connection.scalar(select(Task.meeting_id).where(Task.id == task_id))


class TaskCoworker(Audited, Base):
    __tablename__ = "task_coworkers"
    __audit_label__ = "协办人"
    # 我的任务 finds one meeting's co-worked tasks through this index: through user_id alone it read the
    # person's co-worker rows of every meeting they ever worked on, to show this meeting's few.
    __table_args__ = (UniqueConstraint("task_id", "user_id"),
                      Index("ix_task_coworkers_user_id_meeting_id", "user_id", "meeting_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info={"label": "协办人"})
    #: The task's meeting, copied (a task never changes meeting); filled from the task when not given.
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            default=_meeting_of_task)

    task: Mapped[Task] = relationship(back_populates="coworkers", lazy="raise")
    user = relationship("User", lazy="raise")


class HandOff(Audited, Base):
    """Finish-to-start hand-off (衔接): the successor waits until the predecessor is accepted.

    The table keeps the name it had when the class was TaskDependency (``task_dependencies``): renaming it
    would rebuild it on SQLite for no one's benefit. Its audit entries were renamed by a migration."""

    __tablename__ = "task_dependencies"
    __audit_label__ = "任务衔接"
    __table_args__ = (
        UniqueConstraint("predecessor_id", "successor_id"),
        CheckConstraint("predecessor_id <> successor_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)

    predecessor = relationship("Task", foreign_keys=[predecessor_id], lazy="raise")
    successor = relationship("Task", foreign_keys=[successor_id], lazy="raise")


@cache
def _predecessor():
    """The task at the near end of a hand-off. Made once: an alias made per call is a new entity each time,
    and the ORM would build its loaders again for every statement that uses it. Made on first use, not at
    import: aliasing configures the mappers, which needs every model imported first."""
    return aliased(Task, name="predecessor")


def waiting_hand_offs() -> Select:
    """等待前置任务: the hand-offs (as their successors' ids) whose predecessor is still open. A task waits
    while one leads into it; a cancelled predecessor no longer holds it up. The lists ask this in the shape
    their plan needs (``tasks.queries``: EXISTS, a per-row probe, the waiting ids among a page)."""
    predecessor = _predecessor()
    return (select(HandOff.successor_id)
            .join(predecessor, predecessor.id == HandOff.predecessor_id).where(predecessor.is_open))


def waits_for_predecessor(task_id) -> ColumnElement[bool]:
    """Whether the task (an id or a column) waits for an open predecessor, in SQL."""
    return exists(waiting_hand_offs().where(HandOff.successor_id == task_id))


class TaskEvent(Base):
    """The task's history of transitions: who took which step when, with the note they gave."""

    __tablename__ = "task_events"
    __table_args__ = (Index("ix_task_events_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus))
    to_status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=now)

    actor = relationship("User", lazy="raise")


def event_label(action: str) -> str:
    """创建任务, 提交验收 …: a TaskEvent's action as the task's history names it."""
    return EVENT_LABELS.get(action) or TaskAction(action).label


class TaskComment(Audited, Base):
    """The feedback channel (反馈): questions, answers and progress notes, with @mentions."""

    __tablename__ = "task_comments"
    __audit_label__ = "任务留言"
    __table_args__ = (Index("ix_task_comments_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, info={"label": "内容"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    author = relationship("User", lazy="raise")
    attachments: Mapped[list[TaskAttachment]] = relationship(back_populates="comment", lazy="raise",
                                                             order_by="TaskAttachment.id")

    def audit_title(self) -> str:
        return f"任务 #{self.task_id} 的留言"


class TaskAttachment(Audited, Base):
    """A file on a task: attached to a comment, or completion evidence given on submission."""

    __tablename__ = "task_attachments"
    __audit_label__ = "任务附件"
    __table_args__ = (Index("ix_task_attachments_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("task_comments.id", ondelete="CASCADE"), index=True)
    is_evidence: Mapped[bool] = mapped_column(default=False, info={"label": "完成佐证"})
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stored_name: Mapped[str] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(200), info={"label": "文件名"})
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    comment: Mapped[TaskComment | None] = relationship(back_populates="attachments", lazy="raise")
    uploaded_by = relationship("User", lazy="raise")

    def audit_title(self) -> str:
        return self.original_name


uploads.count_towards_quota(TaskAttachment.size, TaskAttachment.uploaded_by_id)
