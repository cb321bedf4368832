from __future__ import annotations

import datetime as dt
from functools import cached_property

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from meetingprep.audit import Audited
from meetingprep.db import Base, enum_column
from meetingprep.roles import Role
from meetingprep.timeutil import now


class User(Audited, UserMixin, Base):
    __tablename__ = "users"
    __audit_label__ = "用户"
    __audit_exclude__ = frozenset({"password_hash", "version_id", "ical_token", "last_login_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, info={"label": "用户名"})
    display_name: Mapped[str] = mapped_column(String(64), info={"label": "姓名"})
    phone: Mapped[str] = mapped_column(String(32), default="", info={"label": "手机"})
    email: Mapped[str] = mapped_column(String(254), default="", info={"label": "电子邮箱"})
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True, info={"label": "角色"})
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": "启用"})
    ical_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    last_login_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    # Flask-Login ------------------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.is_active_account

    #: "<id>:<token>" of the login this object was loaded through (set by meetingprep.ops.sessions).
    session_key = None  # plain attribute, never stored

    def get_id(self) -> str:
        """What Flask-Login puts in the cookies: the server-side session, not just the user."""
        if self.session_key is None:
            raise RuntimeError("no login session: call meetingprep.ops.sessions.start_session(user) first")
        return self.session_key

    # Passwords --------------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # Roles and groups -------------------------------------------------------------------------
    @property
    def role_label(self) -> str:
        return self.role.label

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @cached_property
    def memberships(self) -> dict[int, bool]:
        """{group_id: is_lead} for every working group the user belongs to; one query per request."""
        from meetingprep.groups.models import GroupMembership

        session = object_session(self)
        if session is None:
            return {}
        rows = session.execute(
            select(GroupMembership.group_id, GroupMembership.is_lead).where(GroupMembership.user_id == self.id)
        )
        return {group_id: is_lead for group_id, is_lead in rows}

    @property
    def group_ids(self) -> frozenset[int]:
        return frozenset(self.memberships)

    @property
    def lead_group_ids(self) -> frozenset[int]:
        return frozenset(group_id for group_id, is_lead in self.memberships.items() if is_lead)

    def audit_title(self) -> str:
        return f"{self.display_name}（{self.username}）"


class LoginAttempt(Base):
    """Failed and successful logins, kept in the database so every worker sees the same count."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(default=now)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class LoginThrottle(Base):
    """How many tries a (kind, subject, address) has had lately and when it may try again.

    One row per key, in the database: every worker process reads and updates the same counter, under a
    row lock (``SELECT … FOR UPDATE`` on PostgreSQL, the write lock of an IMMEDIATE transaction on
    SQLite), and a try is counted before its password is checked. See ``meetingprep.auth.throttle``.
    """

    __tablename__ = "login_throttles"

    #: "login" (a username from an address), "address" (every username from an address, subject ""),
    #: "password" (the change-password form of one user, subject = the user's id, address "").
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    tries: Mapped[int] = mapped_column(default=0)
    last_try_at: Mapped[dt.datetime | None]
    retry_at: Mapped[dt.datetime | None]
