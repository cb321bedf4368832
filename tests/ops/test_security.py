"""Security headers, cookie flags, password rules, login messages and the ?next= guard."""

import pytest

from meetingprep.auth import services
from meetingprep.auth.views import safe_next
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from meetingprep.ops.passwords import common_passwords, is_common_password
from tests import factories


def _login_response(client, remember=True):
    factories.make_user(username="zhao")
    db.session.commit()
    return client.post("/login", data={"username": "zhao", "password": factories.PASSWORD,
                                       "remember": "y" if remember else ""})


def _set_cookie_headers(response, name):
    return [header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{name}=")]


# ── headers ─────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("path", ["/login", "/healthz", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "microphone=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain http: HSTS would lock users out


def test_hsts_when_cookies_are_secure(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_page_contains_inline_script(client):
    body = client.get("/login").get_data(as_text=True)
    assert "<script>" not in body and " onclick=" not in body


# ── cookies ─────────────────────────────────────────────────────────────────────────────────────
def test_session_and_remember_cookies_are_httponly_and_samesite_lax(app, client):
    response = _login_response(client)
    for name in ("session", "remember_token"):
        (header,) = _set_cookie_headers(response, name)
        assert "HttpOnly" in header, header
        assert "SameSite=Lax" in header, header
        assert "Secure" not in header, header


def test_remember_cookie_follows_the_secure_setting(tmp_path):
    from meetingprep import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "DATABASE_URL": "sqlite://",
                      "SESSION_COOKIE_SECURE": True})
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_cookies_are_secure_when_configured(app, client):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    response = _login_response(client)
    for name in ("session", "remember_token"):
        (header,) = _set_cookie_headers(response, name)
        assert "Secure" in header and "HttpOnly" in header, header


def test_remember_cookie_lives_as_long_as_the_absolute_session_lifetime(app, client):
    response = _login_response(client)
    (header,) = _set_cookie_headers(response, "remember_token")
    assert app.config["REMEMBER_COOKIE_DURATION"].total_seconds() == 12 * 3600
    assert "Max-Age=43200" in header or "Expires=" in header


# ── passwords ───────────────────────────────────────────────────────────────────────────────────
def test_common_password_list_is_substantial():
    words = common_passwords()
    assert len(words) >= 250
    assert {"12345678", "password", "woaini1314", "1qaz2wsx", "qwe123456", "5201314520"} <= words


@pytest.mark.parametrize("password", ["12345678", "PASSWORD1", "Woaini1314", "1qaz2wsx", "p@ssw0rd",
                                      "zhengxie123", " qwertyuiop "])
def test_common_passwords_are_refused(password):
    assert is_common_password(password)
    with pytest.raises(ValidationFailed, match="太常见"):
        services.check_password_strength(password.strip())


@pytest.mark.parametrize(("password", "message"), [("short1!", "至少需要 8 位"), ("wangfang", "太常见")])
def test_weak_passwords_are_refused_with_a_reason(password, message):
    with pytest.raises(ValidationFailed, match=message):
        services.check_password_strength(password, username="wangfang")


def test_a_good_password_passes():
    services.check_password_strength("Huiwu-zu-2026!", username="zhao")


# ── login messages ──────────────────────────────────────────────────────────────────────────────
def test_unknown_user_and_wrong_password_get_the_same_answer(app, client):
    factories.make_user(username="sun")
    db.session.commit()
    wrong_password = client.post("/login", data={"username": "sun", "password": "not-the-password"})
    unknown_user = client.post("/login", data={"username": "nobody-here", "password": "not-the-password"})
    assert wrong_password.status_code == unknown_user.status_code == 400

    def message(response):
        body = response.get_data(as_text=True)
        start = body.index("用户名或密码不正确")
        return body[start:body.index("<", start)]

    assert message(wrong_password) == message(unknown_user)


def test_deactivated_user_gets_the_same_answer_too(app, client):
    factories.make_user(username="qian", is_active=False)
    db.session.commit()
    response = client.post("/login", data={"username": "qian", "password": factories.PASSWORD})
    assert response.status_code == 400 and "用户名或密码不正确" in response.get_data(as_text=True)


# ── ?next= ──────────────────────────────────────────────────────────────────────────────────────
HOSTILE_NEXT = ["//evil.example", "https://evil.example/x", "http:evil.example", "/\\evil.example",
                "\\\\evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>",
                "evil.example", "///evil.example", "/%5Cevil.example".replace("%5C", "\\"), " //evil.example",
                "\t//evil.example", "/\t/evil.example"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/tasks/3", "/documents?page=2", "/account/password"])
def test_next_keeps_local_paths(app, target):
    with app.test_request_context():
        assert safe_next(target) == target


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"])
def test_login_redirect_ignores_hostile_next(app, client, target):
    factories.make_user(username="zhou")
    db.session.commit()
    response = client.post("/login", query_string={"next": target},
                           data={"username": "zhou", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")


# ── control characters ──────────────────────────────────────────────────────────────────────────
def test_forms_drop_control_characters_but_keep_line_breaks(app):
    from wtforms import PasswordField, StringField, TextAreaField

    from meetingprep.forms import BaseForm

    class NoteForm(BaseForm):
        title = StringField()
        body = TextAreaField()
        secret = PasswordField()

    data = {"title": " a\x00b\x07c\x1b\x7f ", "body": "第一行\r\n\t第二行\x00", "secret": " p\x00w "}
    with app.test_request_context(method="POST", data=data):
        form = NoteForm()
        assert form.title.data == "abc"
        assert form.body.data == "第一行\r\n\t第二行"
        # passwords are taken as typed, but for NUL, which the request itself drops from every form value
        assert form.secret.data == " pw "
