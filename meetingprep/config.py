"""Configuration: defaults here → ``instance/config.py`` → ``MEETINGPREP_*`` environment variables.

Every setting is documented in ``instance/config.example.py``; keep the two in step.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask


class DefaultConfig:
    # Database: None means "SQLite file in the instance folder", filled in by load_config.
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    TIMEZONE = "Asia/Shanghai"

    # Sessions and cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600  # absolute lifetime of a login, seconds

    # Login throttling: this many failures within the window lock a username / an address.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW_MINUTES = 15

    # Forms: WTForms' own Chinese messages.
    WTF_I18N_ENABLED = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Bootstrap from the installed package, never a CDN.
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_STYLE = "primary"
    BOOTSTRAP_BTN_SIZE = "md"

    # Uploads.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024

    # Scheduler: the dev server embeds it; production runs `flask --app meetingprep scheduler run`.
    SCHEDULER_ENABLED = False

    # E-mail (off while MAIL_HOST is empty).
    MAIL_HOST = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "meetingprep@localhost"

    # The URL people reach the service at, for links in e-mails and QR codes.
    BASE_URL = "http://127.0.0.1:5000"

    DEMO_PASSWORD = "demo12345"

    PAGE_SIZE = 50

    # Attendance: a check-in after start + grace is late (迟到); QR self check-in opens this long before.
    ATTENDANCE_LATE_GRACE_MINUTES = 10
    ATTENDANCE_CHECKIN_OPENS_MINUTES = 60


def load_config(app: Flask, overrides: dict | None) -> None:
    """Layer the configuration and fill in what is derived from the instance folder."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("MEETINGPREP")
    if overrides:
        app.config.update(overrides)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'meetingprep.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("UPLOAD_FOLDER", str(instance / "uploads"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)


def _instance_secret_key(instance: Path) -> str:
    """Generated once into the instance folder, so restarts keep sessions valid."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
