"""Password guessing is slowed down per (username, address) and per address; nobody is locked out."""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pytest
from werkzeug.security import generate_password_hash

from meetingprep.auth import services
from meetingprep.auth.models import LoginAttempt, User
from meetingprep.extensions import db
from meetingprep.timeutil import now
from tests import factories

ATTACKER = {"REMOTE_ADDR": "203.0.113.7"}
VICTIM = {"REMOTE_ADDR": "198.51.100.20"}


def _login(client, username, password, environ=ATTACKER):
    return client.post("/login", data={"username": username, "password": password}, environ_base=environ)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC), tick=False)
    return time_machine


def test_guessing_from_one_address_does_not_lock_the_owner_out(app, client, clock):
    factories.make_user(username="victim")
    db.session.commit()
    for _ in range(12):
        _login(client, "victim", "wrong-guess")
    assert _login(client, "victim", "wrong-guess").status_code == 429
    assert _login(client, "victim", factories.PASSWORD, VICTIM).status_code == 302


def test_the_wait_grows_and_ends_and_the_message_says_when(app, client, clock):
    factories.make_user(username="slowed")
    db.session.commit()
    for _ in range(5):
        assert _login(client, "slowed", "wrong-guess").status_code == 400
    refused = _login(client, "slowed", factories.PASSWORD)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    assert "10:00:30" in body and "约 30 秒后" in body  # 02:00:30 UTC shown in Asia/Shanghai
    assert "重置后可以立即登录" in body
    clock.shift(31)
    assert _login(client, "slowed", "wrong-guess").status_code == 400  # one more try after the wait …
    again = _login(client, "slowed", factories.PASSWORD)
    assert again.status_code == 429 and again.headers["Retry-After"] == "60"  # … and the next wait is longer
    clock.shift(61)
    assert _login(client, "slowed", factories.PASSWORD).status_code == 302  # slowed down, never locked
    checked = db.session.query(LoginAttempt).filter_by(username="slowed").count()
    assert checked == 7  # refused tries never had their password checked


def test_an_administrators_reset_lifts_the_wait_as_the_message_promises(app, client, login, clock):
    user = factories.make_user(username="forgetful")
    admin = factories.make_user("admin")
    db.session.commit()
    for _ in range(6):
        _login(client, "forgetful", "wrong-guess", VICTIM)
    assert _login(client, "forgetful", factories.PASSWORD, VICTIM).status_code == 429
    login(admin)
    reset = client.post(f"/users/{user.id}/password", data={"password": "Fresh-pass-77", "confirm": "Fresh-pass-77"})
    assert reset.status_code == 302
    login(None)
    assert _login(client, "forgetful", "Fresh-pass-77", VICTIM).status_code == 302


def test_reactivation_lifts_the_wait_too(app, client, clock):
    user = factories.make_user(username="sleeper")
    admin = factories.make_user("admin")
    db.session.commit()
    for _ in range(6):
        _login(client, "sleeper", "wrong-guess")
    services.set_user_active(admin, user, False)
    services.set_user_active(admin, user, True)
    db.session.commit()
    assert _login(client, "sleeper", factories.PASSWORD).status_code == 302


def test_change_password_form_is_slowed_down_too(app, client, login, clock):
    user = login(factories.make_user(username="shared_pc"))
    for _ in range(5):
        wrong = client.post("/account/password", data={
            "current_password": "guess-guess", "new_password": "Next-pass-2027", "confirm": "Next-pass-2027"})
        assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    refused = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                     "new_password": "Next-pass-2027", "confirm": "Next-pass-2027"})
    assert refused.status_code == 429 and "当前密码输错的次数过多" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(factories.PASSWORD)  # not changed
    clock.shift(31)
    done = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                  "new_password": "Next-pass-2027", "confirm": "Next-pass-2027"})
    assert done.status_code == 302


def test_every_failed_login_checks_exactly_one_hash(app, client, monkeypatch):
    """An unknown or disabled username costs what a wrong password costs: one hash check."""
    factories.make_user(username="known")
    factories.make_user(username="disabled", is_active=False)
    db.session.commit()
    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda *args: calls.append(1) or real(*args))
    for username, environ in (("known", ATTACKER), ("nobody-here", VICTIM), ("disabled", {"REMOTE_ADDR": "10.9.9.9"})):
        calls.clear()
        assert _login(client, username, "wrong-guess", environ).status_code == 400
        assert len(calls) == 1, username
    calls.clear()
    assert _login(client, "disabled", factories.PASSWORD, {"REMOTE_ADDR": "10.9.9.10"}).status_code == 400
    assert len(calls) == 1


def test_unknown_username_takes_as_long_as_a_wrong_password(app, client):
    user = factories.make_user(username="timed")
    user.password_hash = generate_password_hash(factories.PASSWORD)  # the real method, not the test's cache
    db.session.commit()

    def timed(username, n):
        started = time.perf_counter()
        _login(client, username, "wrong-guess", {"REMOTE_ADDR": f"10.1.0.{n}"})
        return time.perf_counter() - started

    _login(client, "warm-up", "wrong-guess", {"REMOTE_ADDR": "10.2.0.1"})
    wrong = statistics.median(timed("timed", n) for n in range(3))
    unknown = statistics.median(timed(f"ghost{n}", 10 + n) for n in range(3))
    assert unknown > 0.5 * wrong, (unknown, wrong)


def test_throttle_rows_are_forgotten_and_purged(app, client, clock):
    from meetingprep.auth import throttle

    factories.make_user(username="typo")
    db.session.commit()
    for _ in range(5):
        _login(client, "typo", "wrong-guess")
    clock.shift(dt.timedelta(minutes=61))
    assert _login(client, "typo", "wrong-guess").status_code == 400  # counted from zero again
    clock.shift(dt.timedelta(days=2))
    assert throttle.purge() == 2
    db.session.commit()
    assert now()  # the clock still answers


def test_an_administrator_lifts_the_wait_from_the_users_page(app, client, login, clock):
    user = factories.make_user(username="capslock", display_name="大写锁定")
    secretariat = factories.make_user("secretariat")
    db.session.commit()
    for _ in range(6):
        _login(client, "capslock", "WRONG-GUESS")
    login(secretariat)
    page = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert "需等到 10:00 才能再试" in page
    assert client.post(f"/users/{user.id}/login-wait/lift").status_code == 302
    assert 'id="login-wait"' not in client.get(f"/users/{user.id}").get_data(as_text=True)
    login(None)
    assert _login(client, "capslock", factories.PASSWORD).status_code == 302
