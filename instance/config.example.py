# MeetingPrep configuration — copy to instance/config.py and change what you need.
#
# Order of precedence: defaults in meetingprep/config.py → this file (instance/config.py) →
# environment variables MEETINGPREP_<NAME> (e.g. MEETINGPREP_DATABASE_URL=…, MEETINGPREP_MAIL_PORT=587;
# values are parsed as JSON when they can be, so numbers and true/false work).
# Every setting the application reads is listed here with its default.

# ── Security ───────────────────────────────────────────────────────────────────────────────────
# Signs session cookies and CSRF tokens. Leave unset: a random key is generated once into
# instance/secret_key. With several servers, give them all the same key.
# SECRET_KEY = "a long random string"

# Send cookies only over HTTPS. Turn on as soon as the service is behind TLS.
SESSION_COOKIE_SECURE = False
# The remember-me cookie follows SESSION_COOKIE_SECURE unless set here.
# REMEMBER_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# Sessions are server-side records: logout, a password change or reset and deactivation end them.
# A login ends after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS after it began
# (PERMANENT_SESSION_LIFETIME and the remember-me cookie follow the absolute lifetime).
SESSION_IDLE_MINUTES = 120
SESSION_ABSOLUTE_HOURS = 12

# Login tries (counted in the database: every worker agrees): a username from one address has
# LOGIN_MAX_FAILURES tries, one address (every username) LOGIN_ADDRESS_MAX_FAILURES; after that each
# further try waits LOGIN_DELAY_SECONDS, doubling up to LOGIN_MAX_DELAY_MINUTES (nobody is locked out).
# Tries are forgotten after LOGIN_FAILURE_WINDOW_MINUTES without one. An administrator's password reset
# (or reactivation) lifts a username's wait at once. The change-password form is slowed down the same way.
LOGIN_MAX_FAILURES = 5
LOGIN_ADDRESS_MAX_FAILURES = 100
LOGIN_DELAY_SECONDS = 30
LOGIN_MAX_DELAY_MINUTES = 15
LOGIN_FAILURE_WINDOW_MINUTES = 60

# CSRF protection is always on; a token stays valid as long as the session (None = no time limit).
WTF_CSRF_TIME_LIMIT = None
# Form messages come from WTForms' own Chinese translations (forms set locale zh); leave False.
WTF_I18N_ENABLED = False

# ── Database ───────────────────────────────────────────────────────────────────────────────────
# None = SQLite file instance/meetingprep.sqlite (foreign keys, WAL, busy timeout are set automatically).
# PostgreSQL (install the "postgres" extra): "postgresql+psycopg://user:password@host:5432/meetingprep"
DATABASE_URL = None
# How long SQLite waits for another writer before answering 503 "please retry".
SQLITE_BUSY_TIMEOUT_SECONDS = 30
SQLALCHEMY_ENGINE_OPTIONS = {}
# A pooled connection unused this many seconds is tested before use, so connections a database restart or
# a firewall dropped are replaced unseen; None: never. ("pool_pre_ping": True above tests every use: one
# round trip more per request.)
DATABASE_PING_IDLE_SECONDS = 10
# Log every SQL statement's timing (debugging only).
SQLALCHEMY_RECORD_QUERIES = False

# ── Time ───────────────────────────────────────────────────────────────────────────────────────
# Times are stored in UTC and shown (and typed) in this zone.
TIMEZONE = "Asia/Shanghai"

# ── Attendance ─────────────────────────────────────────────────────────────────────────────────
# A check-in later than a sitting's start plus this many minutes is late (迟到); each sitting may override it.
ATTENDANCE_LATE_GRACE_MINUTES = 10
# QR self check-in opens this many minutes before a sitting starts (and stays open until it ends).
ATTENDANCE_CHECKIN_OPENS_MINUTES = 60

# ── Pages ──────────────────────────────────────────────────────────────────────────────────────
# Rows per page on list pages.
PAGE_SIZE = 50
# Version diff (材料审核): the work one comparison may spend marking changed words, in difflib matcher
# steps (2,000,000 ≈ well under a second). A larger diff shows changed paragraphs only, and says so.
DIFF_WORK_BUDGET = 2_000_000
# Bootstrap is served from the installed package (never a CDN); keep True.
BOOTSTRAP_SERVE_LOCAL = True
BOOTSTRAP_BTN_STYLE = "primary"
BOOTSTRAP_BTN_SIZE = "md"
# Python logging level of the application: DEBUG, INFO, WARNING, ERROR.
LOG_LEVEL = "INFO"

# ── Uploads ────────────────────────────────────────────────────────────────────────────────────
# Largest request body (bytes) and largest single uploaded file (bytes).
MAX_CONTENT_LENGTH = 25 * 1024 * 1024
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Where uploaded files are kept (default: instance/uploads). Back it up with the database.
# UPLOAD_FOLDER = "/var/lib/meetingprep/uploads"
# 会议材料: PDF pages are drawn as images (with the reader's watermark) and kept here; a cache, not backed up
# (default: instance/material_pages).
# MATERIAL_PAGES_FOLDER = "/var/cache/meetingprep/material_pages"
# The font the watermark is drawn in: empty = the first Chinese font installed (Debian: fonts-noto-cjk).
# Without a Chinese font the page images carry the member number and account only (the page shows the name).
MATERIAL_WATERMARK_FONT = ""

# ── Scheduler (reminders, outbox, digest) ──────────────────────────────────────────────────────
# `make run` embeds the scheduler in the development server; in production run exactly one
# `flask --app meetingprep scheduler run` beside gunicorn. Times are local, in TIMEZONE.
REMINDER_SCAN_MINUTES = 5
# "Due soon" reminders this many days before a task's deadline, and on the deadline's morning.
REMINDER_TASK_DUE_DAYS = (3, 1)
REMINDER_MORNING_TIME = "08:00"
# Overdue tasks: daily to the owner; from this day on also to the group leads …
REMINDER_OVERDUE_LEAD_DAYS = 1
# … and on this day an escalation to the secretariat (escalations ignore quiet hours).
REMINDER_OVERDUE_SECRETARIAT_DAYS = 3
# Sitting reminders: the members expected at a sitting (not those on approved leave) and the staff on
# check-in duty are reminded this many hours before it starts (0 turns them off).
SITTING_REMINDER_HOURS = 2
# 领导批示: an addressee who has not pressed 已阅 this many hours after the instruction was written is reminded
# once (0 turns it off).
INSTRUCTION_ACK_REMINDER_HOURS = 24
# The daily digest to the secretariat and leaders.
DIGEST_TIME = "08:30"
# Outbox: e-mail and group-robot deliveries are attempted this often; a failure is retried after
# DELIVERY_BACKOFF_SECONDS, doubling up to DELIVERY_BACKOFF_MAX_SECONDS, at most DELIVERY_MAX_ATTEMPTS
# times (then "dead", resendable from 提醒任务管理). A "sending" row older than DELIVERY_LEASE_SECONDS
# is retried (its sender crashed).
OUTBOX_INTERVAL_SECONDS = 60

# Leaders' dashboard. Its figures are stored and served to every viewer while fresh; the scheduler's
# job "dashboard.refresh" recomputes them every DASHBOARD_REFRESH_SECONDS when anything changed (and
# before they reach DASHBOARD_MAX_AGE_SECONDS), so a change shows within DASHBOARD_REFRESH_SECONDS
# and a page costs the same at any data size. 0 makes every change show on the next view.
DASHBOARD_REFRESH_SECONDS = 15
DASHBOARD_MAX_AGE_SECONDS = 60
# The ledger's status counts and pick lists are cached by each worker until the data changes (every writing
# transaction raises the data version), and never longer than this: what turned overdue by the clock alone
# shows within it. (Its former name KEPT_MAX_AGE_SECONDS is still read.)
CACHE_MAX_AGE_SECONDS = 60

# Archives (会后归档): the scheduler's job "archive.build" picks up requested bundles every
# ARCHIVE_INTERVAL_SECONDS and writes them under UPLOAD_FOLDER/archives/ (back that folder up with the
# uploads). Where no scheduler runs beside the web server, ARCHIVE_BUILD_IN_THREAD = True builds a bundle in
# a thread of the web process that received the request.
ARCHIVE_INTERVAL_SECONDS = 10
ARCHIVE_BUILD_IN_THREAD = False

# SQLite keeps no query-planner statistics by itself; job "db.statistics" runs ANALYZE this often
# (first when the scheduler starts). PostgreSQL's autovacuum does it on its own.
DB_STATISTICS_HOURS = 6

DELIVERY_MAX_ATTEMPTS = 8
DELIVERY_BACKOFF_SECONDS = 60
DELIVERY_BACKOFF_MAX_SECONDS = 6 * 3600
DELIVERY_LEASE_SECONDS = 600
# Seconds to wait for a group robot's webhook to answer.
WEBHOOK_TIMEOUT = 10
# A long robot message (WeCom text ≤ 2,048 bytes, markdown ≤ 4,096; DingTalk ≤ 20,000) goes out in at most
# this many parts; the rest is summarised with a link to the full text.
ROBOT_MAX_PARTS = 4
# Robot hosts you trust (an intranet robot gateway): they may use http:// and resolve to loopback, private or
# link-local addresses. Every other robot address must be https:// to public addresses (only the secretariat
# sets robots). E.g. ["robot-gw.intranet.example"]; as an environment variable: '["robot-gw.intranet.example"]'
# or "robot-gw.intranet.example,other.host".
WEBHOOK_ALLOWED_HOSTS = []

# ── E-mail ─────────────────────────────────────────────────────────────────────────────────────
# Notifications are also e-mailed when MAIL_HOST is set; empty = in-app notifications only.
MAIL_HOST = ""
# Seconds per SMTP connection attempt.
MAIL_TIMEOUT = 30
MAIL_PORT = 25
MAIL_USE_TLS = False   # STARTTLS
MAIL_USE_SSL = False   # SMTPS
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_FROM = "meetingprep@localhost"

# ── SMS (短信平台) ───────────────────────────────────────────────────────────────────────────────
# Notices (通知公告) and, if listed below, reminders can go out as SMS through the intranet's SMS platform,
# reached over HTTP. Describe its request here (docs/notifications.md, "SMS gateway"). Empty URL = SMS off.
# Placeholders, in the URL and the body: {phone} (11 digits), {text}, {msgid} (unique per delivery: lets the
# platform drop a resend), {timestamp} (Unix seconds). They are escaped for SMS_GATEWAY_CONTENT_TYPE (JSON
# string content, form-urlencoded, XML; as-is for text/plain) and URL-quoted in the URL.
SMS_GATEWAY_URL = ""                     # e.g. "http://sms.intranet.example/api/send"
SMS_GATEWAY_METHOD = "POST"              # POST, PUT or GET (GET: put the placeholders in the URL's query)
SMS_GATEWAY_CONTENT_TYPE = "application/json; charset=utf-8"
SMS_GATEWAY_BODY = '{"mobile": "{phone}", "content": "{text}", "msgid": "{msgid}"}'
# e.g. form: SMS_GATEWAY_CONTENT_TYPE = "application/x-www-form-urlencoded"; SMS_GATEWAY_BODY = "to={phone}&msg={text}"
SMS_GATEWAY_HEADERS = {}                 # extra headers, e.g. {"X-App-Id": "meetingprep"}
# Signature of the body (of the query string for GET) with a shared secret, sent in a header:
# "" (none), "hmac-sha256" (hex digest) or "hmac-sha256-base64".
SMS_GATEWAY_SIGNATURE = ""
SMS_GATEWAY_SECRET = ""
SMS_GATEWAY_SIGNATURE_HEADER = "X-Signature"
SMS_GATEWAY_TIMEOUT = 10                 # seconds; no answer in time = a failed attempt, retried with backoff
# Accepted = any 2xx answer; name JSON fields the answer must also carry if the platform answers 200 to errors,
# e.g. {"code": "0"} (compared as text).
SMS_GATEWAY_SUCCESS = {}
SMS_SIGN_NAME = "【大会秘书处】"          # every text begins with this
SMS_MAX_CHARS = 300                      # longer texts are cut ("…"); the link is kept whole
# Reminder kinds also sent by SMS to people with a mobile number (their account's 手机, else the roster's),
# e.g. ("attendance.sitting",) for the members' sitting reminders. Kinds: 提醒任务管理 → 提醒措辞.
SMS_NOTIFICATION_KINDS = ()

# ── Notices (通知公告) ──────────────────────────────────────────────────────────────────────────
# Job "notices.tick" sends notices whose set time has come and reminds recipients who have not read a notice
# by its reminder time; it runs this often.
NOTICES_INTERVAL_SECONDS = 60

# The address people reach the service at: used in links in e-mails, robot messages and QR codes, e.g.
# "https://choubei.example.gov.cn". Empty: `make run HOST=… PORT=…` derives it from where it serves (the
# machine's LAN address when HOST is 0.0.0.0); other processes (gunicorn, the scheduler) use
# http://127.0.0.1:5000 — so set it in production. The server logs a warning once per host when a request
# arrives under another address; the admin page (提醒任务管理) shows the value in force.
BASE_URL = ""

# ── Demo ───────────────────────────────────────────────────────────────────────────────────────
# Password of every demo account created by `flask --app meetingprep demo`.
DEMO_PASSWORD = "demo12345"

# ── Operations ─────────────────────────────────────────────────────────────────────────────────
# Per-user upload quota over every kind of upload (task attachments, document versions …).
UPLOAD_QUOTA_BYTES = 500 * 1024 * 1024
# /readyz fails when the scheduler's heartbeat is older than READYZ_SCHEDULER_MAX_AGE seconds;
# set SCHEDULER_EXPECTED = False where no scheduler runs (then /readyz only reports it).
SCHEDULER_EXPECTED = True
READYZ_SCHEDULER_MAX_AGE = 600
# Behind nginx: the number of proxies in front, so client addresses (login throttling) are right.
PROXY_FIX_X_FOR = 0

# Server-Timing header (total;dur=…, db;dur=…) on every response: what the server spent on a request
# and how much of it in SQL. Read by `make bench`; set False to keep timings from clients.
# SERVER_TIMING = True
