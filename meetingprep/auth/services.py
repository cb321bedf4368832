"""Authentication, login throttling and account management."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from functools import cache

from sqlalchemy import delete, func, select
from sqlalchemy import update as sa_update
from werkzeug.security import check_password_hash, generate_password_hash

from meetingprep import audit
from meetingprep.auth import throttle
from meetingprep.auth.models import LoginAttempt, User
from meetingprep.concurrency import expect_version
from meetingprep.errors import DomainError, ValidationFailed
from meetingprep.extensions import db
from meetingprep.ops.passwords import is_common_password
from meetingprep.ops.sessions import end_all_sessions
from meetingprep.permissions import Role, require
from meetingprep.timeutil import now, to_local

MIN_PASSWORD_LENGTH = 8
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{2,64}")
USERNAME_RULE = "用户名需 2 到 64 位，只能包含英文字母、数字、下划线、点和连字符。"


def check_password_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"密码至少需要 {MIN_PASSWORD_LENGTH} 位。")
    if is_common_password(password) or (username and password.lower() == username.lower()):
        raise ValidationFailed("这个密码太常见、太容易被猜到，请换一个。")


def _refusal_message(refusal: throttle.Refusal, *, form: str = "login") -> str:
    """Says when to try again, and only promises what is true: an administrator's reset lifts the wait of
    a username, not that of a whole address."""
    moment = now()
    wait = max(1, int((refusal.retry_at - moment).total_seconds() + 0.999))
    when = f"{to_local(refusal.retry_at):%H:%M:%S}"
    span = f"{wait} 秒" if wait < 120 else f"{(wait + 59) // 60} 分钟"
    if refusal.kind == throttle.ADDRESS:
        return (f"从您所在网络登录失败的次数过多，请在 {when}（约 {span}后）再试。"
                "这个等待与账号无关，管理员重置密码也不会缩短它。")
    if form == "password":
        return (f"当前密码输错的次数过多，请在 {when}（约 {span}后）再试；"
                "忘记了密码请联系管理员重置，重置后可以立即登录。")
    return (f"这个账号从本机登录失败的次数过多，请在 {when}（约 {span}后）再试；"
            "忘记了密码请联系管理员重置，重置后可以立即登录。")


class LoginThrottled(DomainError):
    status_code = 429

    def __init__(self, refusal: throttle.Refusal, *, form: str = "login"):
        super().__init__(_refusal_message(refusal, form=form))
        self.retry_at = refusal.retry_at


def count_login_try(username: str, ip: str) -> None:
    """Before the password is checked: count the try, or refuse it (LoginThrottled). The caller commits
    before calling ``authenticate``, so parallel guesses see each other (auth/throttle.py)."""
    refusal = throttle.count_try(throttle.login_keys(username, ip))
    if refusal is not None:
        raise LoginThrottled(refusal)


@cache
def _dummy_hash() -> str:
    """A hash made the way real ones are, checked for an unknown or disabled account: every failed login
    costs one hash check, so the time taken does not reveal which usernames exist."""
    return generate_password_hash(secrets.token_urlsafe(16))


def password_matches(user: User | None, password: str) -> bool:
    """Exactly one hash check, whoever the user is (or is not)."""
    usable = user is not None and bool(user.password_hash)
    matches = check_password_hash(user.password_hash if usable else _dummy_hash(), password or "")
    return usable and matches


def authenticate(username: str, password: str, ip: str) -> User:
    """Return the user, or raise with one message for unknown user and wrong password alike.

    ``count_login_try`` must have counted this try (and been committed) first.
    """
    username = (username or "").strip()
    user = db.session.scalar(select(User).where(User.username == username))
    ok = password_matches(user, password) and user.is_active
    db.session.add(LoginAttempt(username=username[:64], ip=ip or "", succeeded=ok,
                                user_id=user.id if user is not None else None))
    if not ok:
        audit.record(db.session, "login_failed", user, actor=None,
                     object_type="User", message=f"登录失败：{username[:64]}")
        raise ValidationFailed("用户名或密码不正确，或账号已停用。")
    throttle.forgive(throttle.login_keys(username, ip))
    # A Core UPDATE, not the versioned User row: two logins at once (a double click) must both succeed,
    # and the time of the last login is nobody's edit to lose.
    db.session.execute(sa_update(User.__table__).where(User.__table__.c.id == user.id)
                       .values(last_login_at=now()))
    audit.record(db.session, "login", user, actor=user, message="登录")
    return user


def purge_login_attempts(older_than_days: int = 30) -> int:
    cutoff = now() - dt.timedelta(days=older_than_days)
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    return result.rowcount or 0


def count_password_try(user: User) -> None:
    """The change-password form guesses passwords too (a session left open on a shared PC): counted and
    slowed down like logins; the caller commits before ``change_own_password``."""
    refusal = throttle.count_try(throttle.password_keys(user.id))
    if refusal is not None:
        raise LoginThrottled(refusal, form="password")


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    if not password_matches(user, current_password):
        raise ValidationFailed("当前密码不正确。")
    throttle.forgive(throttle.password_keys(user.id))
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
    else:
        throttle.clear_user(user.username, user.id)


def lift_login_wait(actor: User, user: User) -> int:
    """An administrator lets someone log in again at once (a venue's shared address, a forgotten caps lock)
    without resetting the password. Returns the number of waits lifted."""
    require(actor, "user.edit", user)
    lifted = throttle.clear_user(user.username, user.id)
    audit.record(db.session, "login_unblocked", user, actor=actor, message="解除了登录等待")
    return lifted


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))


def reset_password(actor: User | None, user: User, new_password: str) -> None:
    if actor is not None:
        require(actor, "user.edit", user)
    check_password_strength(new_password, user.username)
    user.set_password(new_password)
    end_all_sessions(user)
    throttle.clear_user(user.username, user.id)  # the wait message promises this
    audit.record(db.session, "password_reset", user, actor=actor, message="重置了密码")
