"""One number that changes whenever the data changes: what every cache is checked against.

``data_version`` holds a single row. Every transaction that wrote anything raises it by one in the same
transaction, just before it commits (``_bump_before_commit``); nothing else ever has to remember to.
Writes are noticed where every statement passes — the connection's cursor — so an ORM flush, a Core
``insert(Task)``, a bulk ``update()`` and a ``text()`` statement all count, whoever issues them.

Why this is right, not just likely:

* The bump is part of the writing transaction: readers see the new number exactly when they can see
  the new rows, never before.
* On PostgreSQL the ``UPDATE`` locks the row until commit, so a second writer's bump waits for the first
  to commit: numbers are handed out in commit order. A reader that sees number N therefore sees every
  transaction numbered N or less, and a value computed after reading N is never older than N.
* On SQLite writers are serialised anyway (``BEGIN IMMEDIATE``).

A value computed inside a transaction that has written but not committed may yet be rolled back, so
caches neither serve nor keep values there (``wrote_uncommitted``).

Some tables hold bookkeeping that no cached value is computed from (sessions touched once a minute per
signed-in user, the scheduler's job store, runs and heartbeats, the robots' rate window, the dashboard's
own stored figures, the archive builder's progress): writing only those
leaves the number alone, otherwise every cache would be dropped at every tick. A table added here must
be one no cache reads.

Migrations run outside this hook (the table may not exist yet); ``migrations/env.py`` bumps once after
they ran, and a restore moves the number past both the old and the restored one (``ops/backup.py``).
"""

from __future__ import annotations

import re

from sqlalchemy import BigInteger, Connection, Engine, delete, event, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from meetingprep.db import Base

#: Writes to these tables alone do not change the version (see the module's docstring).
BOOKKEEPING_TABLES = frozenset({
    "user_sessions", "login_attempts", "login_throttles", "heartbeats", "scheduler_job_runs", "apscheduler_jobs",
    "dashboard_snapshots", "robot_posts", "meeting_archives",
})

#: One statement for both databases: the row is created by the first bump (e.g. after a TRUNCATE).
BUMP_SQL = ("INSERT INTO data_version (id, version) VALUES (1, 1) "
            "ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1")

_WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"
    r"(?:\"?\w+\"?\.)?\"?(\w+)\"?",
    re.IGNORECASE,
)
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
#: ``Connection.info`` keys (that dict lives as long as the pooled connection: reset at every BEGIN).
WRITTEN = "data_written"
#: Set on a connection whose commits must not bump (Alembic's, while migrating).
NO_BUMP = "data_version_off"


class DataVersion(Base):
    """The single row (``id`` 1) whose ``version`` counts committed writing transactions."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def version_column():
    """The current version as a scalar subquery (0 before the first write), for a request's first statement."""
    return select(DataVersion.version).where(DataVersion.id == 1).scalar_subquery()


def read(session: Session) -> int:
    return session.scalar(select(version_column())) or 0


def changes_data(statement: str) -> bool:
    """True for an INSERT/UPDATE/DELETE that may change what a cache shows (anything but bookkeeping)."""
    head = statement.lstrip()[:7].upper()
    if not head.startswith(_WRITE_VERBS):
        return False
    match = _WRITE.match(statement)
    return match is None or match.group(1).lower() not in BOOKKEEPING_TABLES


def wrote_uncommitted(session: Session) -> bool:
    """The session's transaction has written and not yet committed (so a value computed now may never be)."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        return False
    return any(conn.info.get(WRITTEN) for conn in _connections(session))


def _connections(session: Session) -> list[Connection]:
    transaction = session.get_transaction()
    seen: list[Connection] = []
    while transaction is not None:
        # SessionTransaction keeps (connection, transaction, should_commit, autoclose) per bind
        seen.extend(entry[0] for entry in transaction._connections.values())
        transaction = transaction.parent
    return seen


def _bump(dbapi_connection) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(BUMP_SQL)
    finally:
        cursor.close()


@event.listens_for(Engine, "begin")
def _forget_writes(conn: Connection) -> None:
    conn.info[WRITTEN] = False


@event.listens_for(Engine, "after_cursor_execute")
def _note_write(conn: Connection, cursor, statement: str, _parameters, _context, executemany: bool) -> None:
    if conn.info.get(NO_BUMP) or not changes_data(statement):
        return
    if not executemany and cursor.rowcount == 0:
        return  # matched no row (a periodic clean-up with nothing to clean): nothing changed
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT" and conn.dialect.name != "sqlite":
        _bump(conn.connection.dbapi_connection)  # already committed on its own: the bump follows it at once
        return
    conn.info[WRITTEN] = True


@event.listens_for(Engine, "commit")
def _bump_before_commit(conn: Connection) -> None:
    """Runs inside the transaction, right before COMMIT: the last statement, so the row lock is held only
    for the commit itself. Straight on the driver's cursor so that it is not itself noted as a write."""
    if conn.info.get(WRITTEN) and not conn.info.get(NO_BUMP):
        _bump(conn.connection.dbapi_connection)
    conn.info[WRITTEN] = False


@event.listens_for(Engine, "rollback")
def _drop_writes(conn: Connection) -> None:
    if conn.invalidated:
        return  # the connection died (its info goes with it); asking for it would try to reconnect mid-rollback
    conn.info[WRITTEN] = False


def read_outside(engine: Engine) -> int:
    """The version on a connection of its own (0 when the table is missing: a database before its migration)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(DataVersion.__tablename__):
            return 0
        return conn.scalar(select(version_column())) or 0


def move_past(engine: Engine, previous: int) -> None:
    """After the whole database was replaced (a restore): the version must pass every number a worker may
    hold values for — the replaced database's as well as the restored one's — or a worker could serve a
    value computed before the restore once the restored database counts up to that number again."""
    restored = read_outside(engine)
    with engine.begin() as conn:
        if not inspect(conn).has_table(DataVersion.__tablename__):
            return  # an older backup: ``flask db upgrade`` creates the table (and env.py bumps)
        conn.execute(delete(DataVersion))
        conn.execute(insert(DataVersion).values(id=1, version=max(previous, restored)))
    # the commit above raised it by one more: past both
