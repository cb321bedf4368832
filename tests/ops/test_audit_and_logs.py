"""Security events reach the audit trail; secrets never reach a log."""

import datetime as dt
import logging

from flask import abort
from sqlalchemy import select

from meetingprep.audit import AuditEntry
from meetingprep.auth import services
from meetingprep.errors import NotAllowed
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import Role
from tests import factories


def _entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_logins_and_failed_logins_are_recorded(app, client):
    user = factories.make_user(username="zhou")
    db.session.commit()
    client.post("/login", data={"username": "zhou", "password": "wrong-wrong"},
                environ_base={"REMOTE_ADDR": "10.0.0.7"})
    client.post("/login", data={"username": "zhou", "password": factories.PASSWORD})
    (failed,) = _entries("login_failed")
    assert failed.object_id == user.id and failed.ip == "10.0.0.7" and "zhou" in failed.message
    (login,) = _entries("login")
    assert login.actor_id == user.id and login.object_id == user.id


def test_permission_denial_is_kept_although_the_request_rolls_back(app, client, login):
    @app.post("/test/denied-after-change")
    def denied_after_change():
        factories.make_meeting(name="不该留下的会议")
        raise NotAllowed()

    @app.get("/test/aborted")
    def aborted():
        abort(403)

    user = login(factories.make_user("staff"))
    response = client.post("/test/denied-after-change?x=1")
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.get_data(as_text=True)
    assert client.get("/test/aborted").status_code == 403
    db.session.expire_all()
    denials = _entries("denied")
    assert [entry.message for entry in denials] == ["拒绝访问：POST /test/denied-after-change",
                                                    "拒绝访问：GET /test/aborted"]
    assert all(entry.actor_id == user.id for entry in denials)
    assert db.session.scalar(select(Meeting).where(Meeting.name == "不该留下的会议")) is None


def test_role_changes_are_recorded(app):
    admin = factories.make_user("admin")
    user = factories.make_user("staff")
    db.session.commit()
    services.update_user(admin, user, version_id=user.version_id, display_name=user.display_name,
                         role=Role.GROUP_LEAD, phone="", email="")
    db.session.commit()
    (entry,) = _entries("role_changed")
    assert entry.object_id == user.id and entry.actor_id == admin.id
    assert "工作人员" in entry.message and "工作组组长" in entry.message


def test_no_password_or_token_reaches_a_log(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # as if SQL echo were on
    secrets = {
        "login": "Denglu-mima-2026", "wrong": "Cuowu-mima-2026", "changed": "Xin-mima-2026-abc",
        "reset": "Chongzhi-mima-2026", "path_token": "pathtoken9f8e7d6c5b4a", "query_token": "querytoken1a2b3c4d",
    }
    admin = factories.make_user("admin")
    user = factories.make_user("secretariat", username="wu", password=secrets["login"])
    db.session.commit()

    @app.get("/test/boom")
    def boom():
        raise RuntimeError("boom")

    client.post("/login", data={"username": "wu", "password": secrets["wrong"]})
    client.post("/login", data={"username": "wu", "password": secrets["login"]})
    session_cookie = client.get_cookie("session").value
    with client.session_transaction() as session:
        session_token = session["_user_id"].split(":")[1]
    client.post("/account/password", data={"current_password": secrets["login"],
                                           "new_password": secrets["changed"], "confirm": secrets["changed"]})
    services.reset_password(admin, user, secrets["reset"])
    db.session.commit()
    client.get(f"/x/{secrets['path_token']}", query_string={"token": secrets["query_token"]})
    client.get(f"/ical/{secrets['path_token']}.ics", query_string={"token": secrets["query_token"]})
    client.get("/test/boom", query_string={"token": secrets["query_token"]})

    logged = caplog.text
    assert "unhandled error" in logged  # the capture did see our logs…
    assert "INSERT INTO user_sessions" in logged and "SQL parameters hidden" in logged  # …and the SQL
    for name, secret in {**secrets, "cookie": session_cookie, "session_token": session_token}.items():
        assert secret not in logged, f"{name} leaked into the log"
    audit_text = " ".join(f"{e.message} {e.changes}" for e in db.session.scalars(select(AuditEntry)))
    for name, secret in secrets.items():
        assert secret not in audit_text, f"{name} leaked into the audit trail"


def test_refusals_are_recorded_with_a_rate_bound(app, client, login, time_machine):
    """Refused requests cannot flood the trail: one entry a minute per person and kind of route, counting."""
    time_machine.move_to(dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC), tick=False)

    @app.get("/test/secret/<int:item_id>")
    def secret(item_id):
        raise NotAllowed()

    @app.get("/test/other")
    def other():
        abort(403)

    member = login(factories.make_user("member"))
    for item_id in range(60):
        assert client.get(f"/test/secret/{item_id}").status_code == 403
    client.get("/test/other")
    db.session.expire_all()
    denials = _entries("denied")
    assert len(denials) == 2
    secret_entry = next(entry for entry in denials if entry.object_label == "/test/secret/<int:item_id>")
    assert secret_entry.changes == {"次数": [None, 60]} and secret_entry.actor_id == member.id
    assert secret_entry.message == "拒绝访问：GET /test/secret/0"
    time_machine.shift(61)
    client.get("/test/secret/1")
    login(factories.make_user("staff"))
    client.get("/test/secret/1")
    db.session.expire_all()
    assert len(_entries("denied")) == 4
