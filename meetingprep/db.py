"""The declarative base, the UTC datetime type, and how requests use their connections (reads vs writes)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from contextlib import contextmanager
from enum import StrEnum
from functools import lru_cache

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, Engine, MetaData, event, exc, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, registry, scoped_session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite has no time zones, so values are stored as naive UTC there; refusing naive input
    stops local wall-clock times from sneaking into the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Foreign keys on, WAL for concurrent readers (the busy timeout is the driver's ``timeout``,
    set from SQLITE_BUSY_TIMEOUT_SECONDS in config.load_config)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ping_idle_connections(engine: Engine, idle_seconds: float | None) -> None:
    """Test a pooled connection before use when it sat unused longer than ``idle_seconds`` (None: never).

    SQLAlchemy's ``pool_pre_ping`` tests every checkout: one round trip more on every request (a sixth of
    the task page's on PostgreSQL). The connections a server drops — a restart, a firewall's idle timeout —
    have sat idle; those are tested and, when dead, replaced with the rest of the pool before any request
    sees them. One that dies between two busy requests fails its request with the 503 page, and SQLAlchemy
    then replaces the pool as for any disconnect (tests/ops/test_idle_ping.py shows both).
    """
    if engine.dialect.name == "sqlite" or idle_seconds is None:
        return

    @event.listens_for(engine, "checkin")
    def _note_idle_since(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")  # none yet: a new connection (``info`` is per connection)
        if idle_since is None or time.monotonic() - idle_since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.InvalidatePoolError("the connection was dropped while idle in the pool") from error


#: Requests of these methods only read (a GET that must write says so with ``writing``).
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class UndeclaredWrite(RuntimeError):
    """A reading request wrote outside ``writing`` (raised under TESTING, so the suite finds every such write)."""


def in_reading_request() -> bool:
    from flask import g, has_app_context

    return has_app_context() and g.get("_reading_request", False)


def note_request_method(method: str) -> None:
    """Before each request: a GET (HEAD, OPTIONS) reads, so its transactions begin deferred on SQLite and its
    statements run autocommitted on PostgreSQL (``Session``)."""
    from flask import g

    g._reading_request = method in READING_METHODS


def forget_request_method() -> None:
    from flask import g

    g.pop("_reading_request", None)


class Session(FlaskSession):
    """``db.session``: on PostgreSQL a reading request's statements run on an autocommit connection.

    Under PostgreSQL's READ COMMITTED every statement already reads its own snapshot, so autocommit
    reads see exactly what a transaction would. They save the BEGIN and ROLLBACK round trips, and they
    keep psycopg's prepared statements: psycopg discards them all on every ROLLBACK, so a page's queries
    were planned again on every request. Writes (``writing``, POSTs)
    get a transaction as before, and so do streamed reads: a server-side cursor lives in a transaction.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and isinstance(engine, Engine) and engine.dialect.name == "postgresql" \
                and in_reading_request() and not _streamed(clause):
            return _autocommitting(engine)
        return engine


def _streamed(clause) -> bool:
    options = clause.get_execution_options() if hasattr(clause, "get_execution_options") else {}
    return "yield_per" in options or bool(options.get("stream_results"))


@lru_cache(maxsize=8)
def _autocommitting(engine: Engine) -> Engine:
    """The engine's autocommit twin: same pool, made once (each ``execution_options`` call is a new key
    for the session's transaction)."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@event.listens_for(Engine, "begin")
def _begin_reading_or_writing(conn):
    """Notes whether the transaction belongs to a reading request. On SQLite it begins deferred then,
    and every other one IMMEDIATE.

    IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout instead of one
    failing with "database is locked" when it upgrades a read to a write. Readers need no lock under
    WAL: taking it for every page serialised the workers on one core and halved the throughput of
    every page (benchmarks/RESULTS.md). A GET that writes does so in a ``with writing(db.session):`` block.
    """
    reading = in_reading_request()
    conn.info["reading"] = reading
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_undeclared_writes(conn, _cursor, statement, *_args):
    """A write in a reading request outside ``writing`` would fail on SQLite (no write lock) and, on
    PostgreSQL, be committed alone, statement by statement: a bug either way."""
    if conn.info.get("reading") and statement.lstrip()[:7].upper().startswith(_WRITES) and in_reading_request():
        from flask import current_app

        message = f"a {statement.split()[0]} in a reading request outside writing()"
        if current_app.config.get("TESTING"):
            raise UndeclaredWrite(message)
        current_app.logger.warning("%s: it is not atomic and may fail on a busy database", message)


def commit_then_read(session) -> None:
    """Commit a writing request's one unit of work, then go on as a reading request: for a POST that
    draws a page after its commit (the QR check-in). What it loaded stays loaded (no refresh queries),
    and a later query begins a deferred transaction: IMMEDIATE would take SQLite's write lock again and
    hold it while the page renders, queueing every other check-in behind a template."""
    from flask import g, has_app_context

    if isinstance(session, scoped_session):
        session = session()
    _commit_keeping_loaded(session)
    if has_app_context():
        g._reading_request = True


def _commit_keeping_loaded(session) -> None:
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


@contextmanager
def writing(session):
    """A write inside a reading request (GET): the block gets a transaction of its own that takes the
    write lock, committed at its end; the request then goes on reading without the lock.

    Ends the read transaction first (so start the block before changing anything). What the request has
    loaded stays loaded, as read. On PostgreSQL the block is a transaction where the request's reads are
    autocommitted (``Session``). Outside a request it is a commit before and after.
    """
    from flask import g, has_app_context

    if isinstance(session, scoped_session):
        session = session()
    _commit_keeping_loaded(session)
    reading = has_app_context() and g.pop("_reading_request", False)
    try:
        yield session
        _commit_keeping_loaded(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        if reading:
            g._reading_request = True


class LabeledEnum(StrEnum):
    """A StrEnum whose members carry a Chinese label: ``Phase.BEFORE.label == "会前"``.

    The value (English) is stored; the label is shown.
    """

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


def enum_column(enum_cls: type[LabeledEnum]) -> SAEnum:
    """Stores the enum's values as short strings (no native ENUM type: easy to extend by migration)."""
    return SAEnum(enum_cls, native_enum=False, length=24, validate_strings=True,
                  values_callable=lambda members: [m.value for m in members])


# Tables that belong to libraries, not to our models: migrations neither create nor drop them.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object hook: leave APScheduler's job store table alone."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def refresh_statistics(session) -> str:
    """ANALYZE on SQLite, which keeps no statistics unless asked: without them its planner walked a whole
    meeting's tasks in deadline order to find one person's few co-worked tasks. PostgreSQL's autovacuum keeps
    its own."""
    if session.get_bind().dialect.name != "sqlite":
        return "PostgreSQL 由 autovacuum 自动更新统计"
    session.execute(text("ANALYZE"))
    return "已更新查询统计"


def upsert_insert(model, dialect_name: str):
    """``INSERT`` of the running database's dialect, which has ``on_conflict_do_nothing`` / ``…_update``:
    the unique constraint decides between concurrent writers, not a prior SELECT."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect_name](model)
