"""Configuration: defaults here → ``instance/config.py`` → ``MEETINGPREP_*`` environment variables.

Every setting is documented in ``instance/config.example.py``; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from flask import Flask


class DefaultConfig:
    # Database: None means "SQLite file in the instance folder", filled in by load_config.
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection unused this long is tested before use (db.ping_idle_connections); None: never.
    DATABASE_PING_IDLE_SECONDS: float | None = 10
    SQLALCHEMY_RECORD_QUERIES = False

    TIMEZONE = "Asia/Shanghai"

    # Sessions and cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A login ends after this long without a request, and in any case this long after it began
    # (PERMANENT_SESSION_LIFETIME and the remember-me cookie follow the absolute lifetime).
    SESSION_IDLE_MINUTES = 120
    SESSION_ABSOLUTE_HOURS = 12

    # Login throttling (auth/throttle.py): a username from one address has LOGIN_MAX_FAILURES tries, one
    # address (all usernames) LOGIN_ADDRESS_MAX_FAILURES; then each further try waits, LOGIN_DELAY_SECONDS
    # first, doubling up to LOGIN_MAX_DELAY_MINUTES. Tries are forgotten after LOGIN_FAILURE_WINDOW_MINUTES
    # without one; an administrator's password reset lifts a username's wait at once.
    LOGIN_MAX_FAILURES = 5
    LOGIN_ADDRESS_MAX_FAILURES = 100
    LOGIN_DELAY_SECONDS = 30
    LOGIN_MAX_DELAY_MINUTES = 15
    LOGIN_FAILURE_WINDOW_MINUTES = 60

    # Forms: WTForms' own Chinese messages.
    WTF_I18N_ENABLED = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Bootstrap from the installed package, never a CDN.
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_STYLE = "primary"
    BOOTSTRAP_BTN_SIZE = "md"

    # Uploads. Keep nginx's client_max_body_size equal to MAX_CONTENT_LENGTH.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    UPLOAD_QUOTA_BYTES = 500 * 1024 * 1024  # per user, over every kind of upload
    # 会议材料: PDF pages drawn as images are kept here (a cache, safe to delete; default instance/material_pages).
    # The watermark drawn into them uses MATERIAL_WATERMARK_FONT, else the first Chinese font installed
    # (Debian: fonts-noto-cjk); without one the image carries the member number and account only.
    MATERIAL_WATERMARK_FONT = ""

    # Scheduler: the dev server embeds it; production runs `flask --app meetingprep scheduler run`.
    # /readyz fails when the scheduler's heartbeat is older than this (seconds); set
    # SCHEDULER_EXPECTED = False where no scheduler runs, and /readyz only reports it.
    SCHEDULER_EXPECTED = True
    READYZ_SCHEDULER_MAX_AGE = 600

    # Operations: behind nginx set PROXY_FIX_X_FOR = 1 (the number of proxies in front), so client
    # addresses (login throttling, audit) and https come from X-Forwarded-For / -Proto.
    PROXY_FIX_X_FOR = 0
    # A Server-Timing header on every response (the server's total and SQL time, for benchmarks and
    # browser developer tools). It tells clients how long the server worked; turn off if that matters.
    SERVER_TIMING = True
    # SQLite only: how long a request waits for another writer before giving up with a 503.
    SQLITE_BUSY_TIMEOUT_SECONDS = 30

    # E-mail (off while MAIL_HOST is empty).
    MAIL_HOST = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "meetingprep@localhost"
    MAIL_TIMEOUT = 30  # seconds per SMTP connection

    # Reminders and deliveries (times are local, in TIMEZONE).
    REMINDER_SCAN_MINUTES = 5
    REMINDER_TASK_DUE_DAYS = (3, 1)  # "due soon" reminders this many days before the deadline …
    REMINDER_MORNING_TIME = "08:00"  # … and on the deadline's morning
    REMINDER_OVERDUE_LEAD_DAYS = 1  # overdue: daily to the owner; from this day on also to the group leads
    REMINDER_OVERDUE_SECRETARIAT_DAYS = 3  # escalation to the secretariat (ignores quiet hours)
    SITTING_REMINDER_HOURS = 2  # expected members and check-in duty staff, this long before a sitting (0: off)
    INSTRUCTION_ACK_REMINDER_HOURS = 24  # 批示 without 已阅 this long after: its addressees reminded once (0: off)
    DIGEST_TIME = "08:30"
    OUTBOX_INTERVAL_SECONDS = 60

    # Leaders' dashboard: stored figures (dashboard/snapshots.py), recomputed by the scheduler.
    DASHBOARD_REFRESH_SECONDS = 15  # a change shows on the dashboard within this (and the job's interval)
    DASHBOARD_MAX_AGE_SECONDS = 60  # figures are never older than this, changes or not
    CACHE_MAX_AGE_SECONDS = 60  # counts and pick lists cached per worker (versioned_cache.py): at most this old
    # Archives (会后归档): the scheduler's job archive.build looks for requested bundles this often. Where no
    # scheduler runs beside the web server, ARCHIVE_BUILD_IN_THREAD builds them in a thread of the web process.
    ARCHIVE_INTERVAL_SECONDS = 10
    ARCHIVE_BUILD_IN_THREAD = False
    DB_STATISTICS_HOURS = 6  # job db.statistics: SQLite's query-planner statistics (ANALYZE) renewed this often
    DELIVERY_MAX_ATTEMPTS = 8  # then "dead" (resend from the admin page)
    DELIVERY_BACKOFF_SECONDS = 60  # doubles after every failure …
    DELIVERY_BACKOFF_MAX_SECONDS = 6 * 3600  # … up to this
    DELIVERY_LEASE_SECONDS = 600  # a "sending" row older than this is retried (the sender crashed)
    WEBHOOK_TIMEOUT = 10
    # Group robots: a long message goes out in at most this many parts, the rest summarised with a link.
    ROBOT_MAX_PARTS = 4
    # Robot hosts the operator trusts: they may use http:// and resolve to loopback, private or link-local
    # addresses (an intranet gateway). Every other robot address must be https:// to public addresses.
    WEBHOOK_ALLOWED_HOSTS: tuple[str, ...] = ()

    # SMS through the intranet's SMS platform (notifications/sms.py; off while SMS_GATEWAY_URL is empty). The
    # request is described here: placeholders {phone} {text} {msgid} {timestamp}, escaped for the content type.
    SMS_GATEWAY_URL = ""
    SMS_GATEWAY_METHOD = "POST"  # POST, PUT or GET (GET: the placeholders go in the URL)
    SMS_GATEWAY_CONTENT_TYPE = "application/json; charset=utf-8"
    SMS_GATEWAY_BODY = '{"mobile": "{phone}", "content": "{text}", "msgid": "{msgid}"}'
    SMS_GATEWAY_HEADERS: dict = {}  # extra headers, e.g. {"X-App-Id": "meetingprep"}
    SMS_GATEWAY_SIGNATURE = ""  # "", "hmac-sha256" (hex) or "hmac-sha256-base64": of the body, with the secret …
    SMS_GATEWAY_SECRET = ""
    SMS_GATEWAY_SIGNATURE_HEADER = "X-Signature"  # … in this header
    SMS_GATEWAY_TIMEOUT = 10  # seconds
    SMS_GATEWAY_SUCCESS: dict = {}  # fields the JSON answer must carry, e.g. {"code": "0"}; empty: any 2xx
    SMS_SIGN_NAME = "【大会秘书处】"  # every text begins with it
    SMS_MAX_CHARS = 300  # a longer text is cut (the link stays whole)
    # Reminder kinds (wording kinds, e.g. "attendance.sitting") also sent by SMS to people with a mobile number.
    SMS_NOTIFICATION_KINDS: tuple[str, ...] = ()

    # Notices (通知公告): scheduled notices go out and unread ones are reminded by job "notices.tick".
    NOTICES_INTERVAL_SECONDS = 60

    # The URL people reach the service at, for links in e-mails, robot messages and QR codes. Empty: derived
    # by `flask serve` / `make run` from its HOST and PORT (the LAN address for 0.0.0.0), else
    # http://127.0.0.1:5000 (meetingprep/base_url.py).
    BASE_URL = ""

    DEMO_PASSWORD = "demo12345"

    PAGE_SIZE = 50
    # Version diff: the work one comparison may spend marking changed words (difflib matcher steps);
    # beyond it the page shows the paragraph view and says so. Bounds a diff's time per request.
    DIFF_WORK_BUDGET = 2_000_000
    LOG_LEVEL = "INFO"

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
    if "KEPT_MAX_AGE_SECONDS" in app.config:  # the setting's name before it was CACHE_MAX_AGE_SECONDS
        app.config["CACHE_MAX_AGE_SECONDS"] = app.config.pop("KEPT_MAX_AGE_SECONDS")

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'meetingprep.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    options.setdefault("hide_parameters", True)  # no password hash or token in an error message or log
    if app.config["DATABASE_URL"].startswith("sqlite"):
        options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT_SECONDS"],
                                   **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    lifetime = dt.timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    app.config["PERMANENT_SESSION_LIFETIME"] = lifetime
    app.config["REMEMBER_COOKIE_DURATION"] = lifetime
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    app.config.setdefault("UPLOAD_FOLDER", str(instance / "uploads"))
    app.config.setdefault("MATERIAL_PAGES_FOLDER", str(instance / "material_pages"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    from meetingprep import base_url

    base_url.load(app)


def _instance_secret_key(instance: Path) -> str:
    """Generated once into the instance folder, so restarts keep sessions valid."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
