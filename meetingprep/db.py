"""The declarative base, the UTC datetime type and the SQLite connection settings."""

from __future__ import annotations

import datetime as dt
import sqlite3
from enum import StrEnum

from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

#: The largest id a row can have (a 32-bit INTEGER): larger ones are "not found", never an overflow.
MAX_ID = 2**31 - 1

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


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    """Take the write lock at BEGIN so two workers queue on busy_timeout instead of deadlocking.

    A deferred transaction that reads and later writes fails with "database is locked" when
    another writer got there first; IMMEDIATE makes the second one wait its turn.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


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


def upsert_insert(model, dialect_name: str):
    """``INSERT`` of the running database's dialect, which has ``on_conflict_do_nothing`` / ``…_update``:
    the unique constraint decides between concurrent writers, not a prior SELECT."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect_name](model)
