"""Fixtures shared by every test.

The suite runs on an in-memory SQLite database per test by default; with ``TEST_DATABASE_URL``
set (PostgreSQL in CI) it runs on that server in a private schema created for the session and
emptied after every test, so runs never see each other's rows.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

import meetingprep.models  # noqa: F401  every mapper known before a test module's import configures them
from meetingprep import create_app
from meetingprep.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def _with_search_path(url: str, schema: str) -> tuple[str, dict]:
    return url, {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}


@pytest.fixture(scope="session")
def postgres_schema():
    """A throw-away schema on the test server, holding the tables for the whole session."""
    if not TEST_DATABASE_URL:
        yield None
        return
    schema = f"test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"})
    db.metadata.create_all(engine)
    engine.dispose()
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def database_config(postgres_schema, tmp_path) -> dict:
    if postgres_schema:
        url, options = _with_search_path(TEST_DATABASE_URL, postgres_schema)
        return {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    return {"DATABASE_URL": "sqlite://"}


@pytest.fixture
def app_config(database_config, tmp_path) -> dict:
    """Override in a test module to change settings (e.g. turn CSRF back on)."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
        **database_config,
    }


class FreshRequestClient(FlaskClient):
    """Each request starts with an empty ``g``, as in production.

    The test keeps one app context open (so factories and requests share the database session),
    and Flask reuses it for every request: without this, ``g`` caches such as Flask-Login's current
    user would leak from one request into the next (a logged-out client still seen as logged in).
    """

    def open(self, *args, **kwargs):
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config, postgres_schema):
    app = create_app(app_config)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        if not postgres_schema:
            db.create_all()
        yield app
        db.session.remove()
        if postgres_schema:
            _empty_every_table(db.engine)
        db.engine.dispose()


def _empty_every_table(engine) -> None:
    """After a test on PostgreSQL: every table emptied and every sequence restarted, in one round trip. DELETE
    with the foreign-key triggers off rather than TRUNCATE: truncating some 130 tables gave each of them new
    files on disk after every test, which made the PostgreSQL run several times slower than the SQLite one."""
    statements = ["SET LOCAL session_replication_role = replica",
                  *(f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)),
                  "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE c.relkind = 'S' AND n.nspname = current_schema()"]
    with engine.begin() as conn:
        conn.exec_driver_sql("; ".join(statements))


@pytest.fixture
def sqlite_file_app(tmp_path):
    """(app, path) on a SQLite file, schema built, a 0.2 s busy timeout: a second connection (another
    process) can hold the lock against it. Add routes and rows before the first request."""
    path = tmp_path / "file.sqlite"
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "k",
                      "WTF_CSRF_ENABLED": False, "DATABASE_URL": f"sqlite:///{path}",
                      "SQLITE_BUSY_TIMEOUT_SECONDS": 0.2})
    with app.app_context():
        db.create_all()
    yield app, path
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """login(user) makes the test client that user (a new server-side session); login(None) logs out."""
    from meetingprep.ops.sessions import start_session

    def _login(user):
        with client.session_transaction() as session:
            session.clear()
            if user is not None:
                start_session(user)
                db.session.commit()
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
        return user

    return _login


@pytest.fixture
def login_as(login, app):
    """login_as("secretariat") creates a user of that role and logs in as them."""

    def _login_as(role: str, **kwargs):
        user = factories.make_user(role=role, **kwargs)
        db.session.commit()
        return login(user)

    return _login_as


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: …`` then ``counter.count`` — SQL statements executed."""

    @contextlib.contextmanager
    def _count():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, *args):
            counter.count += 1
            counter.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return _count


@pytest.fixture
def role_users(app):
    """One active user per role, in one working group of a current meeting.

    The group lead leads ``role_users["group"]`` and the staff user is a member of it; the group
    and meeting are in the dict too, under "group" and "meeting".
    """
    meeting = factories.make_meeting()
    group = factories.make_group(meeting, name="会务组")
    users = {
        "admin": factories.make_user("admin", username="r_admin", display_name="管理员"),
        "secretariat": factories.make_user("secretariat", username="r_secretariat", display_name="秘书处甲"),
        "group_lead": factories.make_user("group_lead", username="r_lead", display_name="组长甲",
                                          group=group, is_lead=True),
        "staff": factories.make_user("staff", username="r_staff", display_name="工作人员甲", group=group),
        "leader": factories.make_user("leader", username="r_leader", display_name="领导甲"),
        "member": factories.make_user("member", username="r_member", display_name="委员甲"),
        "meeting": meeting,
        "group": group,
    }
    db.session.commit()
    return users
