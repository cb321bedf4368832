"""Authentication, login throttling and account management."""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from sqlalchemy import delete, func, or_, select

from meetingprep import audit
from meetingprep.auth.models import LoginAttempt, User
from meetingprep.concurrency import expect_version
from meetingprep.errors import DomainError, ValidationFailed
from meetingprep.extensions import db
from meetingprep.ops.passwords import is_common_password
from meetingprep.ops.sessions import end_all_sessions
from meetingprep.permissions import Role, require
from meetingprep.timeutil import now

MIN_PASSWORD_LENGTH = 8
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{2,64}")
USERNAME_RULE = "用户名需 2 到 64 位，只能包含英文字母、数字、下划线、点和连字符。"


class LoginThrottled(DomainError):
    status_code = 429


def check_password_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"密码至少需要 {MIN_PASSWORD_LENGTH} 位。")
    if is_common_password(password) or (username and password.lower() == username.lower()):
        raise ValidationFailed("这个密码太常见、太容易被猜到，请换一个。")


def _throttle_window_start() -> dt.datetime:
    return now() - dt.timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def is_throttled(username: str, ip: str) -> bool:
    """Too many recent failures for this username or from this address."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = _throttle_window_start()
    failures = db.session.execute(
        select(
            func.count().filter(LoginAttempt.username == username),
            func.count().filter(LoginAttempt.ip == ip),
        ).where(LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False),
                or_(LoginAttempt.username == username, LoginAttempt.ip == ip))
    ).one()
    return failures[0] >= limit or failures[1] >= limit


def authenticate(username: str, password: str, ip: str) -> User:
    """Return the user, or raise with one message for unknown user and wrong password alike."""
    username = (username or "").strip()
    window = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
    if is_throttled(username, ip):
        raise LoginThrottled(f"登录失败次数过多，请 {window} 分钟后再试，或联系管理员重置密码。")
    user = db.session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.is_active and user.check_password(password)
    db.session.add(LoginAttempt(username=username[:64], ip=ip or "", succeeded=ok,
                                user_id=user.id if user is not None else None))
    if not ok:
        audit.record(db.session, "login_failed", user, actor=None,
                     object_type="User", message=f"登录失败：{username[:64]}")
        raise ValidationFailed("用户名或密码不正确，或账号已停用。")
    user.last_login_at = now()
    audit.record(db.session, "login", user, actor=user, message="登录")
    return user


def purge_login_attempts(older_than_days: int = 30) -> int:
    cutoff = now() - dt.timedelta(days=older_than_days)
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    return result.rowcount or 0


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise ValidationFailed("当前密码不正确。")
    check_password_strength(new_password, user.username)
    user.set_password(new_password)
    end_all_sessions(user)  # every login of this user ends, this one too (the view starts a new one)
    audit.record(db.session, "password_changed", user, actor=user, message="修改了自己的密码")


def create_user(actor: User | None, *, username: str, display_name: str, role: Role, password: str,
                phone: str = "", email: str = "", password_hash: str | None = None) -> User:
    """``password_hash`` lets the demo reuse one slow hash for hundreds of accounts."""
    if actor is not None:
        require(actor, "user.manage")
        require(actor, "user.grant_role", role)
    username = username.strip()
    if not USERNAME_PATTERN.fullmatch(username):
        raise ValidationFailed(USERNAME_RULE)
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ValidationFailed(f"用户名“{username}”已被使用，请换一个。")
    if password_hash is None:
        check_password_strength(password, username)
    user = User(username=username, display_name=display_name.strip(), role=Role(role),
                phone=phone, email=email, is_active_account=True)
    if password_hash is None:
        user.set_password(password)
    else:
        user.password_hash = password_hash
    db.session.add(user)
    db.session.flush()
    return user


def update_user(actor: User, user: User, *, version_id, display_name: str, role: Role, phone: str,
                email: str) -> User:
    require(actor, "user.edit", user)
    require(actor, "user.grant_role", role)
    expect_version(user, version_id, "该用户")
    if user.id == actor.id and Role(role) != user.role:
        raise ValidationFailed("不能修改自己的角色，请请其他管理员操作。")
    if user.role != role:
        audit.record(db.session, "role_changed", user, actor=actor,
                     message=f"角色由“{user.role.label}”改为“{Role(role).label}”")
    user.display_name = display_name
    user.role = Role(role)
    user.phone = phone
    user.email = email
    return user


def set_user_active(actor: User, user: User, active: bool) -> None:
    """Deactivation ends every session of the user at their next request (see web.load_user)."""
    require(actor, "user.edit", user)
    if user.id == actor.id and not active:
        raise ValidationFailed("不能停用自己的账号。")
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        end_all_sessions(user)


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))


def reset_password(actor: User | None, user: User, new_password: str) -> None:
    if actor is not None:
        require(actor, "user.edit", user)
    check_password_strength(new_password, user.username)
    user.set_password(new_password)
    end_all_sessions(user)
    audit.record(db.session, "password_reset", user, actor=actor, message="重置了密码")
