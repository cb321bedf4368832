"""Logins at the same moment, from threads with their own connections, on a SQLite file or PostgreSQL:
the throttle's counter and the login's own writes must hold when requests really overlap."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from meetingprep import audit
from meetingprep.auth import services
from meetingprep.auth.models import LoginAttempt, User
from meetingprep.extensions import db
from tests import factories
from tests.conftest import TEST_DATABASE_URL, _with_search_path


@pytest.fixture
def database_config(postgres_schema, tmp_path) -> dict:
    """A SQLite *file* (an in-memory database is one connection; the threads need their own)."""
    if postgres_schema:
        url, options = _with_search_path(TEST_DATABASE_URL, postgres_schema)
        return {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": {**options, "pool_size": 12, "max_overflow": 12}}
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'parallel.sqlite'}"}


def _in_parallel(app, count: int, post) -> list[int]:
    """Run ``post(client, n)`` from ``count`` threads released at once; their status codes."""
    barrier = threading.Barrier(count)
    statuses: list[int] = [0] * count
    errors: list[BaseException] = []

    def run(n: int) -> None:
        client = FlaskClient(app, app.response_class)  # its own app context in its own thread
        try:
            barrier.wait(timeout=30)
            statuses[n] = post(client, n).status_code
        except BaseException as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return statuses


def test_parallel_wrong_guesses_never_check_more_passwords_than_the_limit(app, monkeypatch):
    factories.make_user(username="target")
    db.session.commit()
    checks: list[int] = []
    lock = threading.Lock()
    real = services.check_password_hash

    def counted(*args):
        with lock:
            checks.append(1)
        return real(*args)

    monkeypatch.setattr(services, "check_password_hash", counted)
    statuses = _in_parallel(app, 12, lambda client, n: client.post(
        "/login", data={"username": "target", "password": f"guess-{n}"}, environ_base={"REMOTE_ADDR": "203.0.113.9"}))
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert len(checks) == limit, statuses
    assert sorted(statuses) == [400] * limit + [429] * (12 - limit)
    assert db.session.query(LoginAttempt).count() == limit


def test_a_double_click_on_login_logs_in_twice(app):
    factories.make_user(username="double", role="secretariat")
    db.session.commit()
    statuses = _in_parallel(app, 4, lambda client, n: client.post(
        "/login", data={"username": "double", "password": factories.PASSWORD}))
    assert statuses == [302] * 4


def test_login_does_not_conflict_with_a_login_that_committed_meanwhile(app, client, monkeypatch):
    """Deterministic form of the double click: another login bumps the user's row between this login's read
    and its write. The old code wrote last_login_at through the versioned row and answered 409."""
    user = factories.make_user(username="clicker")
    db.session.commit()
    real = audit.record

    def record_after_a_rival(session, action, *args, **kwargs):
        if action == "login":
            with session.no_autoflush:  # the rival's commit, not this request's pending changes
                session.execute(update(User.__table__).where(User.__table__.c.id == user.id)
                                .values(version_id=User.__table__.c.version_id + 1))
        return real(session, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", record_after_a_rival)
    response = client.post("/login", data={"username": "clicker", "password": factories.PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None
