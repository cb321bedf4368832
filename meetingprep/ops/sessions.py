"""Server-side login sessions.

Flask-Login keeps ``"<user_id>:<token>"`` in the (signed) session cookie and in the remember-me
cookie; the token names a ``UserSession`` row. A login creates a row, logout revokes it, a password
change or reset and a deactivation revoke all of the user's rows, so a cookie copied before any of
these is refused afterwards. Idle and absolute lifetimes are checked on every request, while the
last-seen time is written at most once a minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, or_, update

from meetingprep import request_state
from meetingprep.auth.models import User
from meetingprep.db import writing
from meetingprep.extensions import db
from meetingprep.ops.models import UserSession
from meetingprep.timeutil import now

TOUCH_INTERVAL = dt.timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(session_key: str) -> tuple[int, str] | None:
    user_id, _, token = (session_key or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    return int(user_id), token


# ── session records (no request needed: usable from services, CLI and tests) ───────────────────
def start_session(user: User, *, ip: str = "", user_agent: str = "") -> UserSession:
    """A new session for ``user``; afterwards ``user.get_id()`` names it. The caller commits."""
    token = secrets.token_urlsafe(32)
    moment = now()
    record = UserSession(user_id=user.id, token_hash=_digest(token), created_at=moment, last_seen_at=moment,
                         ip=(ip or "")[:64], user_agent=(user_agent or "")[:200])
    db.session.add(record)
    db.session.flush()
    user.session_key = f"{user.id}:{token}"
    return record


def _is_current(record: UserSession, moment: dt.datetime) -> bool:
    config = current_app.config
    idle = dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    return record.revoked_at is None and moment - record.last_seen_at <= idle \
        and moment - record.created_at <= absolute


def resume_session(session_key: str) -> User | None:
    """The user whose live session the cookie names, or None (revoked, expired, deactivated, forged).

    Commits when it refreshes the last-seen time, so it must run before a view writes anything:
    ``web.init_app`` resolves the login at the start of each request.
    """
    parts = _split(session_key)
    if parts is None:
        return None
    user_id, token = parts
    state = request_state.load(user_id, _digest(token))  # with what every page needs (request_state.py)
    if state is None:
        return None
    record, user = state.session, state.user
    moment = now()
    if not user.is_active or not _is_current(record, moment):
        return None
    request_state.remember(state)
    if moment - record.last_seen_at >= TOUCH_INTERVAL:
        with writing(db.session):
            record.last_seen_at = moment
    user.session_key = session_key
    return user


def end_session(session_key: str | None) -> None:
    """Revoke the one session the key names (logout). The caller commits."""
    parts = _split(session_key or "")
    if parts is None:
        return
    user_id, token = parts
    db.session.execute(
        update(UserSession).where(UserSession.user_id == user_id, UserSession.token_hash == _digest(token),
                                  UserSession.revoked_at.is_(None)).values(revoked_at=now()))


def end_all_sessions(user: User) -> None:
    """Revoke every session of the user (password change or reset, deactivation). The caller commits."""
    db.session.execute(
        update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now()))


def purge_ended_sessions(older_than_days: int = 30) -> int:
    """Delete session rows ended (revoked or past their absolute lifetime) more than N days ago."""
    cutoff = now() - dt.timedelta(days=older_than_days)
    lifetime = dt.timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    result = db.session.execute(delete(UserSession).where(or_(
        UserSession.revoked_at < cutoff, UserSession.created_at < cutoff - lifetime)))
    return result.rowcount or 0


# ── request helpers (the views' side) ───────────────────────────────────────────────────────────
def log_in(user: User, *, remember: bool = False) -> None:
    """Start a fresh session for this browser: the old cookie content is dropped, never reused."""
    session.clear()
    start_session(user, ip=request.remote_addr or "", user_agent=request.user_agent.string)
    db.session.commit()
    login_user(user, remember=remember)


def log_out(user) -> None:
    if getattr(user, "is_authenticated", False):
        end_session(user.get_id())
        db.session.commit()
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion
