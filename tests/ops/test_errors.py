"""A 500 carries an error id into the log; an unavailable database gives a calm 503 and recovers."""

import logging
import re
import sqlite3

import pytest
from sqlalchemy import select

from meetingprep import create_app
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from tests import factories


def test_500_page_is_chinese_with_an_error_id_the_log_carries(app, client, caplog):
    @app.post("/test/explode")
    def explode():
        factories.make_meeting(name="半途而废的会议")
        db.session.flush()
        raise ZeroDivisionError("division by zero in a view")

    caplog.set_level(logging.ERROR)
    response = client.post("/test/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出现了意外错误" in body and "Traceback" not in body and "ZeroDivisionError" not in body
    error_id = re.search(r"错误编号：<code>([0-9a-f]{12})</code>", body).group(1)
    (record,) = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError
    assert "Traceback" in caplog.text
    # the half-done work was rolled back and the session still works
    assert db.session.scalar(select(Meeting).where(Meeting.name == "半途而废的会议")) is None
    assert client.get("/login").status_code == 200


def test_500_as_json_for_the_api(app, client):
    @app.get("/api/test/explode")
    def explode_api():
        raise RuntimeError("x")

    response = client.get("/api/test/explode")
    assert response.status_code == 500 and len(response.get_json()["error_id"]) == 12


def _assert_unavailable(response):
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:500]
    assert response.headers["Retry-After"] == "30"
    assert "数据库暂时无法访问" in body and "重试" in body
    assert "Traceback" not in body and "OperationalError" not in body and "locked" not in body


def test_unreachable_postgresql_gives_503(tmp_path, caplog):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False,
                      "DATABASE_URL": "postgresql+psycopg://postgres:pw-not-logged@127.0.0.1:1/meetingprep",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    client = app.test_client()
    _assert_unavailable(client.post("/login", data={"username": "a", "password": "Whatever-2026"}))
    with client.session_transaction() as session:
        session["_user_id"] = "1:sometoken"
    _assert_unavailable(client.get("/"))
    assert "database unavailable" in caplog.text and "pw-not-logged" not in caplog.text


@pytest.fixture
def sqlite_app(sqlite_file_app):
    app, path = sqlite_file_app
    with app.app_context():
        factories.make_user(username="zheng")
        db.session.commit()
        db.session.remove()
    return app, path


def test_locked_sqlite_gives_503_then_recovers(sqlite_app):
    app, path = sqlite_app
    client = app.test_client()
    credentials = {"username": "zheng", "password": factories.PASSWORD}
    assert client.post("/login", data=credentials).status_code == 302
    assert client.get("/").status_code == 200

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock past the busy timeout
    try:
        assert client.get("/").status_code == 200  # pages only read: under WAL they never wait for it
        _assert_unavailable(app.test_client().post("/login", data=credentials))
        _assert_unavailable(client.post("/logout"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/").status_code == 200
    assert app.test_client().post("/login", data=credentials).status_code == 302


def test_nul_bytes_in_the_url_are_a_400_not_a_500(client):
    assert client.get("/login", query_string={"next": "/a\x00b"}).status_code == 400
    assert client.get("/x/a%00b").status_code == 400
    assert client.get("/login?next=/&next=/a%00b").status_code == 400
    assert client.get("/login?a%00=1").status_code == 400
