"""Server-side sessions: a copied cookie stops working after logout, password change, reset or
deactivation; idle and absolute lifetimes; last-seen written at most once a minute."""

import datetime as dt

import pytest
from sqlalchemy import select

from meetingprep.auth import services
from meetingprep.extensions import db
from meetingprep.ops.models import UserSession
from tests import factories

START = dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC)


def _log_in(client, username, password=factories.PASSWORD, remember=False):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _cookie(client, name="session"):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _is_logged_in(client) -> bool:
    return client.get("/").status_code == 200


def _copy_of(app, client, name="session"):
    """A second browser holding a copy of the first one's cookie."""
    other = app.test_client()
    other.set_cookie(name, _cookie(client, name))
    return other


@pytest.fixture
def zhang(app):
    user = factories.make_user("secretariat", username="zhang")
    db.session.commit()
    return user


def test_login_creates_a_session_record_with_device_details(app, client, zhang):
    client.post("/login", data={"username": "zhang", "password": factories.PASSWORD},
                headers={"User-Agent": "TestBrowser/1.0"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    record = db.session.scalars(select(UserSession).where(UserSession.user_id == zhang.id)).one()
    assert record.ip == "10.1.2.3" and record.user_agent == "TestBrowser/1.0"
    assert record.revoked_at is None
    assert len(record.token_hash) == 64
    # the raw token travels only in the cookie: the stored hash is not what the cookie names
    with client.session_transaction() as session:
        user_id, token = session["_user_id"].split(":")
    assert int(user_id) == zhang.id and token != record.token_hash and len(token) >= 40


def test_each_login_is_a_new_session_and_the_old_cookie_content_is_dropped(app, client, zhang):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _log_in(client, "zhang")
    first = _cookie(client)
    with client.session_transaction() as session:
        assert "planted" not in session
    _log_in(app.test_client(), "zhang")
    assert db.session.query(UserSession).filter_by(user_id=zhang.id).count() == 2
    assert _cookie(client) == first


def test_cookie_copied_before_logout_is_refused_after(app, client, zhang):
    _log_in(client, "zhang")
    thief = _copy_of(app, client)
    assert _is_logged_in(thief)
    client.post("/logout")
    assert not _is_logged_in(client)
    assert not _is_logged_in(thief)


def test_logout_ends_only_that_session(app, client, zhang):
    _log_in(client, "zhang")
    laptop = app.test_client()
    _log_in(laptop, "zhang")
    client.post("/logout")
    assert _is_logged_in(laptop)


def test_remember_cookie_copied_before_logout_is_refused_after(app, client, zhang):
    _log_in(client, "zhang", remember=True)
    stolen = _cookie(client, "remember_token")
    assert stolen
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    assert _is_logged_in(thief)  # the remember-me cookie alone logs in…
    client.post("/logout")
    fresh_thief = app.test_client()
    fresh_thief.set_cookie("remember_token", stolen)
    assert not _is_logged_in(fresh_thief)  # …until the session it names is ended


def test_password_change_ends_every_session_and_keeps_this_browser_logged_in(app, client, zhang):
    _log_in(client, "zhang")
    thief = _copy_of(app, client)
    phone = app.test_client()
    _log_in(phone, "zhang")
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "Xin-mima-2026", "confirm": "Xin-mima-2026"})
    assert response.status_code == 302
    assert _is_logged_in(client)  # a new session for the browser that changed it
    assert not _is_logged_in(thief)  # a copy of the cookie from before the change is refused
    assert not _is_logged_in(phone)


def test_password_reset_and_deactivation_end_every_session(app, client, zhang):
    admin = factories.make_user("admin")
    db.session.commit()
    _log_in(client, "zhang")
    services.reset_password(admin, zhang, "Chongzhi-2026")
    db.session.commit()
    assert not _is_logged_in(client)

    _log_in(client, "zhang", password="Chongzhi-2026")
    services.set_user_active(admin, zhang, False)
    db.session.commit()
    assert not _is_logged_in(client)
    services.set_user_active(admin, zhang, True)
    db.session.commit()
    assert not _is_logged_in(client)  # reactivation does not revive old sessions


def test_idle_timeout(app, client, zhang, time_machine):
    app.config["SESSION_IDLE_MINUTES"] = 30
    time_machine.move_to(START, tick=False)
    _log_in(client, "zhang")
    time_machine.move_to(START + dt.timedelta(minutes=29), tick=False)
    assert _is_logged_in(client)  # activity moves the idle deadline
    time_machine.move_to(START + dt.timedelta(minutes=58), tick=False)
    assert _is_logged_in(client)
    time_machine.move_to(START + dt.timedelta(minutes=89), tick=False)
    assert not _is_logged_in(client)


def test_absolute_lifetime_ends_even_an_active_session(app, client, zhang, time_machine):
    app.config["SESSION_ABSOLUTE_HOURS"] = 2
    time_machine.move_to(START, tick=False)
    _log_in(client, "zhang", remember=True)
    for minutes in range(20, 120, 20):
        time_machine.move_to(START + dt.timedelta(minutes=minutes), tick=False)
        assert _is_logged_in(client)
    time_machine.move_to(START + dt.timedelta(minutes=121), tick=False)
    assert not _is_logged_in(client)


def test_last_seen_is_written_at_most_once_a_minute(app, client, zhang, time_machine, count_queries):
    time_machine.move_to(START, tick=False)
    _log_in(client, "zhang")
    with count_queries() as counter:
        for _ in range(5):
            client.get("/")
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    time_machine.move_to(START + dt.timedelta(seconds=61), tick=False)
    with count_queries() as counter:
        client.get("/")
        client.get("/")
    updates = [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE user_sessions".upper())]
    assert len(updates) == 1
    record = db.session.scalars(select(UserSession).where(UserSession.user_id == zhang.id)).one()
    db.session.refresh(record)
    assert record.last_seen_at == START + dt.timedelta(seconds=61)


@pytest.mark.parametrize("forged", ["1", "1:", ":abc", "x:abc", "1:not-a-token", "99999:abc", "\u202e:1"])
def test_forged_session_ids_are_refused(app, client, zhang, forged):
    with client.session_transaction() as session:
        session["_user_id"] = forged
    assert not _is_logged_in(client)


def test_another_users_token_under_my_id_is_refused(app, client, zhang):
    other = factories.make_user(username="li")
    db.session.commit()
    _log_in(client, "li")
    with client.session_transaction() as session:
        _, token = session["_user_id"].split(":")
        session["_user_id"] = f"{zhang.id}:{token}"
    assert not _is_logged_in(client)
    assert other.id != zhang.id


def test_password_change_renews_a_remember_me_cookie(app, client, zhang):
    _log_in(client, "zhang", remember=True)
    old = _cookie(client, "remember_token")
    client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "Xin-mima-2026", "confirm": "Xin-mima-2026"})
    new = _cookie(client, "remember_token")
    assert new and new != old
    for value, works in ((old, False), (new, True)):
        browser = app.test_client()
        browser.set_cookie("remember_token", value)
        assert _is_logged_in(browser) is works


def test_purge_removes_only_long_ended_sessions(app, zhang, time_machine):
    from meetingprep.ops.sessions import end_session, start_session

    time_machine.move_to(START, tick=False)
    start_session(zhang)  # revoked long ago: purged
    end_session(zhang.get_id())
    start_session(zhang)  # never revoked, but past its absolute lifetime long ago: purged
    time_machine.move_to(START + dt.timedelta(days=40), tick=False)
    recent_revoked = start_session(zhang)
    end_session(zhang.get_id())
    live = start_session(zhang)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["sessions", "purge", "--days", "30"])
    assert result.exit_code == 0 and "已删除 2 条" in result.output, result.output
    remaining = set(db.session.scalars(select(UserSession.id)))
    assert remaining == {recent_revoked.id, live.id}
