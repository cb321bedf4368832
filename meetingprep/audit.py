"""The audit trail: who changed what, when, with each field's old and new value.

Entries are written by a session hook in the same transaction as the change, so a change and its
record commit or roll back together. Models opt in by subclassing ``Audited``; services add
explicit events (transitions, logins) with ``record()``. Nothing in the UI edits an entry.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import enum
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from flask import has_request_context
from sqlalchemy import JSON, ForeignKey, Index, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from meetingprep.db import Base
from meetingprep.timeutil import now

_actor_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("audit_actor_id", default=None)

ACTION_LABELS = {"create": "创建", "update": "修改", "delete": "删除",
                 # security events (auth services, web_errors.py)
                 "login": "登录", "login_failed": "登录失败", "password_changed": "修改密码",
                 "password_reset": "重置密码", "login_unblocked": "解除登录等待", "role_changed": "角色变更",
                 "denied": "拒绝访问",
                 # attendance and notification events
                 "close": "结束签到", "reopen": "重新开放签到", "import": "导入名单", "bulk_check_in": "批量签到",
                 "correct": "更正签到", "reissue_qr": "重发签到码", "resend": "重新发送",
                 "undo_check_in": "撤销签到",
                 # notices (通知公告)
                 "send": "发送", "schedule": "定时发送", "remind": "未读提醒",
                 # following up who is missing (attendance)
                 "remind_missing": "提醒未到委员"}


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id", "id"),
        Index("ix_audit_entries_meeting_id_id", "meeting_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int | None]
    object_label: Mapped[str] = mapped_column(String(200), default="")
    meeting_id: Mapped[int | None] = mapped_column(index=True)
    changes: Mapped[dict | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(String(500), default="")
    ip: Mapped[str | None] = mapped_column(String(64))

    actor = relationship("User", lazy="raise")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def type_label(self) -> str:
        cls = _AUDITED_TYPES.get(self.object_type)
        return getattr(cls, "__audit_label__", self.object_type) if cls else self.object_type


_AUDITED_TYPES: dict[str, type] = {}


class Audited:
    """Mixin: every insert, update and delete of this model lands in the audit trail.

    ``__audit_label__`` names the type in Chinese; a column's ``info={"label": "…"}`` names the
    field; ``__audit_exclude__`` lists fields never recorded (secrets, counters).
    """

    __audit_label__ = ""
    __audit_exclude__: frozenset[str] = frozenset({"version_id"})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _AUDITED_TYPES[cls.__name__] = cls

    def audit_meeting_id(self) -> int | None:
        return getattr(self, "meeting_id", None)

    def audit_title(self) -> str:
        for name in ("title", "name", "display_name", "username"):
            value = getattr(self, name, None)
            if value:
                return str(value)[:200]
        return ""


def audited_types() -> list[tuple[str, str]]:
    """(type name, Chinese label) of every audited model, sorted by label: the search filter's choices."""
    return sorted(((name, cls.__audit_label__ or name) for name, cls in _AUDITED_TYPES.items()),
                  key=lambda choice: choice[1])


@lru_cache(maxsize=1024)
def field_label(object_type: str, field: str) -> str:
    """A field's Chinese label (the column's ``info``), once per field: a task's "create" entry lists twenty."""
    cls = _AUDITED_TYPES.get(object_type)
    if cls is None:
        return field
    column = inspect(cls).columns.get(field)
    return column.info.get("label", field) if column is not None else field


@contextmanager
def acting_as(actor):
    """Attribute changes made outside a request (CLI, scheduler) to ``actor`` (None = 系统)."""
    token = _actor_id.set(actor.id if actor is not None else None)
    try:
        yield
    finally:
        _actor_id.reset(token)


def current_actor_id() -> int | None:
    explicit = _actor_id.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return current_user.id
    return None


def _client_ip() -> str | None:
    if has_request_context():
        from flask import request

        return request.remote_addr
    return None


def plain_value(value: Any) -> Any:
    """A value as the trail stores it (JSON): enums by value, times in ISO form."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(session: Session, action: str, obj: Any = None, *, message: str = "",
           actor=None, changes: dict | None = None, object_type: str | None = None,
           object_id: int | None = None, meeting_id: int | None = None) -> None:
    """Record an explicit event (a transition, a login, a denial) beside the automatic ones."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        if meeting_id is None and isinstance(obj, Audited):
            meeting_id = obj.audit_meeting_id()
    session.add(AuditEntry(
        at=now(), actor_id=actor.id if actor is not None else current_actor_id(), action=action,
        object_type=object_type or "", object_id=object_id,
        object_label=obj.audit_title() if isinstance(obj, Audited) else "",
        meeting_id=meeting_id, changes=changes, message=message[:500], ip=_client_ip(),
    ))


#: Refusals of one kind of route for one person (or one address) within this long share one entry.
DENIAL_BUCKET = dt.timedelta(minutes=1)
DENIAL_COUNT = "次数"


def record_denial(session: Session, actor, *, route: str, method: str, path: str) -> None:
    """A refused request, rate bound: at most one entry per (person — or address when anonymous — and kind
    of route) a minute, counting the refusals it stands for. 200 refused GETs leave a row or two with the
    count, not 200 rows: the trail cannot be flooded and still shows who kept trying what."""
    from sqlalchemy import select

    actor_id = actor.id if actor is not None else None
    ip = _client_ip()
    who = AuditEntry.actor_id == actor_id if actor_id is not None else \
        (AuditEntry.actor_id.is_(None) & (AuditEntry.ip == ip) if ip is not None else AuditEntry.ip.is_(None))
    route = route[:200]
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "denied", AuditEntry.at >= now() - DENIAL_BUCKET,
                                 AuditEntry.object_type == "Request", AuditEntry.object_label == route, who)
        .order_by(AuditEntry.id.desc()).limit(1).with_for_update()).first()
    if entry is None:
        session.add(AuditEntry(at=now(), actor_id=actor_id, action="denied", object_type="Request",
                               object_label=route, message=f"拒绝访问：{method} {path}"[:500],
                               changes={DENIAL_COUNT: [None, 1]}, ip=ip))
        return
    count = int(((entry.changes or {}).get(DENIAL_COUNT) or [None, 1])[1]) + 1
    entry.changes = {DENIAL_COUNT: [None, count]}


def _diff(obj, include_all: bool) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in obj.__audit_exclude__:
            continue
        history = state.attrs[key].history
        if include_all:
            value = getattr(obj, key)
            if value is not None and key != "id":
                changes[key] = [None, plain_value(value)]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if plain_value(old) != plain_value(new):
                changes[key] = [plain_value(old), plain_value(new)]
    return changes


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, _context) -> None:
    """Runs after the flush assigned ids but before history is reset: both old and new are known."""
    rows = []
    actor_id = current_actor_id()
    ip = _client_ip()
    at = now()
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _diff(obj, include_all=action == "create") if action != "delete" else None
            if action == "update" and not changes:
                continue
            rows.append({
                "at": at, "actor_id": actor_id, "action": action, "object_type": type(obj).__name__,
                "object_id": getattr(obj, "id", None),
                "object_label": obj.audit_title(), "meeting_id": obj.audit_meeting_id(),
                "changes": changes, "message": "", "ip": ip,
            })
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


@dataclass(frozen=True, slots=True)
class TrailEntry:
    """One line of an object's history as its page draws it: read-only, so a row rather than an entity
    (entities with their actor cost far more to load, on every page that shows a trail)."""

    id: int
    at: dt.datetime
    action: str
    object_type: str
    message: str
    changes: dict | None
    meeting_id: int | None
    actor_name: str | None  # None: 系统 (or a deleted user)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


#: The most entries an object page shows of its trail.
TRAIL_LIMIT = 200


def trail_for(session: Session, obj: Any = None, *, object_type: str | None = None,
              object_id: int | None = None, limit: int = TRAIL_LIMIT) -> list[TrailEntry]:
    """The object's history, newest first, with each actor's name. Pending changes are flushed first, so
    their entries (written at flush) are in it."""
    object_type = object_type or type(obj).__name__
    object_id = object_id if object_id is not None else obj.id
    session.flush()
    rows = session.connection().execute(_trail_statement(), {"type": object_type, "id": object_id, "limit": limit})
    return [TrailEntry(*row) for row in rows]


@cache
def _trail_statement():
    """Built once: every object page shows its trail."""
    from sqlalchemy import bindparam

    return trail_select(bindparam("type"), bindparam("id"), bindparam("limit"))


def trail_select(object_type, object_id, limit):
    """An object's trail in TrailEntry's columns, newest first: a statement of its own (``trail_for``) or a
    part of a page's (the task page reads it with the task's 办理经过)."""
    from sqlalchemy import select

    User = AuditEntry.actor.property.mapper.class_  # reached through the relationship: auth's models import audit
    entry = AuditEntry
    return (select(entry.id, entry.at, entry.action, entry.object_type, entry.message, entry.changes, entry.meeting_id,
                   User.display_name.label("actor_name")).outerjoin(User, User.id == entry.actor_id)
            .where(entry.object_type == object_type, entry.object_id == object_id)
            .order_by(entry.id.desc()).limit(limit))
