"""Reading requests: on SQLite pages read without the write lock, on PostgreSQL they read autocommitted
(no BEGIN/ROLLBACK, prepared statements kept); a write in a GET declares itself (db.writing)."""

import logging
import os
import sqlite3

import pytest
from sqlalchemy import event, select, text

from meetingprep.db import writing
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from tests import factories


@pytest.fixture
def file_app(sqlite_file_app):
    """A file database (two connections can meet) with routes that read and write on GET."""
    app, path = sqlite_file_app

    @app.get("/test/read-write-read")
    def read_write_read():
        before = db.session.scalar(select(Meeting.id).limit(1))
        with writing(db.session):
            factories.make_meeting(name="读中写")
        after = db.session.scalars(select(Meeting.name)).all()
        return {"before": before, "after": after}

    @app.get("/test/names")
    def names():
        return db.session.scalars(select(Meeting.name)).all()

    @app.get("/test/undeclared-write")
    def undeclared_write():
        factories.make_meeting(name="未声明的写")
        db.session.commit()
        return "written"

    with app.app_context():
        factories.make_meeting(name="已有会议")
        db.session.commit()
        db.session.remove()
    return app, path


@pytest.fixture
def begins(file_app):
    """The BEGIN statements SQLite saw, in order."""
    app, _path = file_app
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def listen(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def test_a_get_reads_deferred_and_writes_in_a_block_of_its_own(file_app, begins):
    app, _path = file_app
    response = app.test_client().get("/test/read-write-read")
    assert response.status_code == 200
    assert response.get_json()["after"] == ["已有会议", "读中写"]
    # read without the lock, write with it, then read on without it
    assert begins == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN"]


def test_a_post_takes_the_write_lock_at_once(file_app, begins):
    app, _path = file_app
    app.test_client().post("/login", data={"username": "nobody", "password": "Whatever-2026"})
    assert begins and set(begins) == {"BEGIN IMMEDIATE"}


def test_a_get_goes_on_reading_while_another_process_writes(file_app):
    app, path = file_app
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE meetings SET name = '未提交的改名'")
    try:
        client = app.test_client()
        assert client.get("/login").status_code == 200
        assert client.get("/test/names").get_json() == ["已有会议"]  # the committed state, not the pending one
        # the write block waits for the lock, times out, and the user is asked to retry (never a trace)
        response = client.get("/test/read-write-read")
        assert response.status_code == 503 and "重试" in response.get_data(as_text=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert app.test_client().get("/test/read-write-read").status_code == 200


def test_a_write_in_a_get_outside_writing_is_caught_by_the_suite(file_app, caplog):
    app, _path = file_app
    caplog.set_level(logging.ERROR)
    response = app.test_client().get("/test/undeclared-write")
    assert response.status_code == 500
    assert "UndeclaredWrite" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(Meeting).where(Meeting.name == "未声明的写")) is None


# ── PostgreSQL ──────────────────────────────────────────────────────────────────────────────────
needs_postgres = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                    reason="needs PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture
def pg_app(app):
    """The suite's app with routes that report how their statements reach the server."""

    def autocommit() -> bool:
        return db.session.connection().connection.dbapi_connection.autocommit

    @app.route("/test/how-read", methods=["GET", "POST"])
    def how_read():
        read = autocommit()
        with writing(db.session):
            written = autocommit()
            factories.make_meeting(name="读中写")
        return {"read": read, "written": written, "read_after": autocommit()}

    @app.get("/test/prepared")
    def prepared():
        db.session.scalar(select(Meeting.id).where(Meeting.name == "已有会议"))
        return {"prepared": db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))}

    @app.get("/test/undeclared-write")
    def undeclared_write():
        factories.make_meeting(name="未声明的写")
        db.session.commit()
        return "written"

    factories.make_meeting(name="已有会议")
    db.session.commit()
    db.session.remove()
    return app


@needs_postgres
def test_a_get_reads_autocommitted_and_writes_in_a_transaction(pg_app):
    response = pg_app.test_client().get("/test/how-read")
    assert response.get_json() == {"read": True, "written": False, "read_after": True}
    assert pg_app.test_client().post("/test/how-read").get_json() == {"read": False, "written": False,
                                                                       "read_after": False}
    assert db.session.scalar(select(Meeting.id).where(Meeting.name == "读中写")) is not None


@needs_postgres
def test_prepared_statements_outlive_a_reading_request(pg_app):
    """psycopg prepares a statement on its fifth run and forgets them all on ROLLBACK, which every
    request used to end with: pages were planned again each time."""
    client = pg_app.test_client()
    counts = []
    for _ in range(8):
        counts.append(client.get("/test/prepared").get_json()["prepared"])
        db.session.remove()  # as the end of a served request does (the test holds the app context open)
    assert counts[-1] >= 1 and counts == sorted(counts)


@needs_postgres
def test_a_write_in_a_get_outside_writing_is_caught_on_postgres_too(pg_app, caplog):
    caplog.set_level(logging.ERROR)
    response = pg_app.test_client().get("/test/undeclared-write")
    assert response.status_code == 500
    assert "UndeclaredWrite" in caplog.text
    db.session.remove()
    assert db.session.scalar(select(Meeting).where(Meeting.name == "未声明的写")) is None
