"""Password guessing slowed down, per (username, address) and per address, in the database.

Each try is counted *before* its password is checked, in a transaction the caller commits before the
check: parallel guesses queue on the counter's row lock, so however many arrive at once no more
passwords are checked than the limit allows. After ``free`` tries the key waits, 30 s, then twice as
long after each further try, up to a ceiling: a typing mistake costs nothing, a guessing script gets a
few tries an hour, and nobody can lock someone else out — the key includes the guesser's address, and
the per-address ceiling is far higher (a venue or an office behind one NAT shares an address).

Flask-Limiter is not used: its storages are memory, Redis, Memcached, MongoDB and etcd — none is the
database every worker already shares — and it counts a request when it is answered, so parallel
guesses would all be checked before any was counted (the defect this module exists to prevent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, or_, select

from meetingprep.auth.models import LoginThrottle
from meetingprep.db import upsert_insert
from meetingprep.extensions import db
from meetingprep.timeutil import now

LOGIN = "login"
ADDRESS = "address"
PASSWORD = "password"


@dataclass(frozen=True)
class Policy:
    free: int  # tries without any wait
    first_delay: dt.timedelta  # the wait after the last free try, doubled after each further one
    max_delay: dt.timedelta
    forget_after: dt.timedelta  # a key with no try for this long starts again from zero

    def delay(self, tries: int) -> dt.timedelta | None:
        if tries < self.free:
            return None
        return min(self.first_delay * 2 ** min(tries - self.free, 20), self.max_delay)


def policy(kind: str) -> Policy:
    config = current_app.config
    free = config["LOGIN_ADDRESS_MAX_FAILURES"] if kind == ADDRESS else config["LOGIN_MAX_FAILURES"]
    return Policy(free=int(free), first_delay=dt.timedelta(seconds=config["LOGIN_DELAY_SECONDS"]),
                  max_delay=dt.timedelta(minutes=config["LOGIN_MAX_DELAY_MINUTES"]),
                  forget_after=dt.timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]))


@dataclass(frozen=True)
class Refusal:
    kind: str
    retry_at: dt.datetime


def _key(kind: str, subject: str, ip: str) -> dict:
    return {"kind": kind, "subject": (subject or "").strip().lower()[:64], "ip": (ip or "")[:64]}


def _locked_row(key: dict) -> LoginThrottle:
    """The key's row, created if missing, locked until the transaction ends."""
    session = db.session
    session.execute(upsert_insert(LoginThrottle, session.get_bind().dialect.name)
                    .values(**key, tries=0).on_conflict_do_nothing())
    return session.execute(
        select(LoginThrottle).filter_by(**key).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def count_try(keys: list[tuple[str, str, str]]) -> Refusal | None:
    """Count one try against every key, or refuse (counting nothing) if one of them must still wait.

    The caller commits before checking the password, so every other worker sees the try.
    """
    moment = now()
    rows = []
    for kind, subject, ip in keys:
        row = _locked_row(_key(kind, subject, ip))
        rule = policy(kind)
        if row.last_try_at is not None and moment - row.last_try_at > rule.forget_after:
            row.tries, row.retry_at = 0, None
        if row.retry_at is not None and row.retry_at > moment:
            return Refusal(kind, row.retry_at)
        rows.append((row, rule))
    for row, rule in rows:
        row.tries += 1
        row.last_try_at = moment
        delay = rule.delay(row.tries)
        row.retry_at = moment + delay if delay is not None else None
    return None


def forgive(keys: list[tuple[str, str, str]]) -> None:
    """A try that succeeded: the (username, address) key starts again, the others lose that one try."""
    for kind, subject, ip in keys:
        row = _locked_row(_key(kind, subject, ip))
        if kind != ADDRESS:
            db.session.delete(row)
            continue
        row.tries = max(0, row.tries - 1)
        delay = policy(kind).delay(row.tries)
        row.retry_at = row.retry_at if delay is not None else None


def clear_user(username: str, user_id: int) -> int:
    """An administrator's reset or reactivation: the user may log in (and change the password) at once,
    from every address. Returns the number of keys cleared."""
    result = db.session.execute(delete(LoginThrottle).where(or_(
        (LoginThrottle.kind == LOGIN) & (LoginThrottle.subject == username.strip().lower()[:64]),
        (LoginThrottle.kind == PASSWORD) & (LoginThrottle.subject == str(user_id)))))
    return result.rowcount or 0


def waiting_until(username: str, user_id: int) -> dt.datetime | None:
    """The latest moment until which some address must wait to log in as this user (or to change the
    password), or None: shown on the user's page beside the button that lifts it."""
    return db.session.scalar(select(func.max(LoginThrottle.retry_at)).where(
        or_((LoginThrottle.kind == LOGIN) & (LoginThrottle.subject == username.strip().lower()[:64]),
            (LoginThrottle.kind == PASSWORD) & (LoginThrottle.subject == str(user_id))),
        LoginThrottle.retry_at > now()))


def login_keys(username: str, ip: str) -> list[tuple[str, str, str]]:
    return [(ADDRESS, "", ip), (LOGIN, username, ip)]


def password_keys(user_id: int) -> list[tuple[str, str, str]]:
    return [(PASSWORD, str(user_id), "")]


def purge(older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Rows nobody has tried for a while and that hold no wait: they are zero anyway."""
    moment = now()
    result = db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_try_at < moment - older_than,
        or_(LoginThrottle.retry_at.is_(None), LoginThrottle.retry_at < moment)))
    return result.rowcount or 0
