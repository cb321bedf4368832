"""The scheduler: every domain's periodic jobs as a few fixed ticks in APScheduler 3, the state and
guarantees in our own tables.

``JOBS`` lists them: the reminder scan (each domain's rules, ``<domain>/reminders.py``), the outbox, the
daily digest, the dashboard's figures, the database's statistics, the notices' tick (scheduled notices and
unread reminders, ``notices/jobs.py``) and a heartbeat. A domain adds a job
by adding a ``JobSpec`` here that calls its own function.

Jobs are registered with fixed ids and ``replace_existing=True`` in a SQLAlchemyJobStore in the
application's database (table ``apscheduler_jobs``), so a pause or a missed 08:30 digest survives a
restart: on start the stored next run time (or its paused state) is kept, and a run missed during
downtime is caught up once (coalesce, misfire grace). APScheduler 3 cannot share a job store
between processes, so exactly one process runs it (``flask scheduler run``, or ``flask serve`` in
development); should a second one start anyway, nothing is duplicated, because every tick is
idempotent: reminders are claimed in ReminderLog (unique), deliveries by claim-before-send.

Each job runs inside an app context through ``execute_job``, which commits per unit of work,
records the outcome in ``JobRun`` and beats the "scheduler" heartbeat.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from sqlalchemy import select

from meetingprep import timeutil
from meetingprep.extensions import db
from meetingprep.notifications.models import JobRun
from meetingprep.notifications.services import insert_ignoring_conflicts
from meetingprep.ops.heartbeat import beat

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
_app: Flask | None = None  # the application the scheduler's threads run jobs for


def _scan() -> str:
    from meetingprep.notifications.scan import scan_reminders

    return str(scan_reminders())


def _deliver() -> str:
    from meetingprep.notifications.outbox import deliver_due

    return str(deliver_due())


def _digest() -> str:
    from meetingprep.notifications.digest import send_daily_digest

    return f"发送简报 {send_daily_digest()} 份"


def _dashboard() -> str:
    from meetingprep.dashboard.queries import refresh_snapshots

    return refresh_snapshots()


def _archives() -> str:
    from meetingprep.archive.services import run_pending

    return run_pending()


def _statistics() -> str:
    from meetingprep.db import refresh_statistics

    return refresh_statistics(db.session)


def _notices() -> str:
    from meetingprep.notices.jobs import tick

    return tick()


def _heartbeat() -> str:
    return "在线"


def _clock(setting: str) -> dict[str, int]:
    hours, minutes = str(current_app.config[setting]).split(":")
    return {"hour": int(hours), "minute": int(minutes)}


@dataclass(frozen=True)
class JobSpec:
    id: str
    label: str
    function: Callable[[], str]
    trigger: Callable[[], object]
    misfire_grace_time: int | None  # None: a missed run is always caught up (once, coalesced)
    first_run_at_once: bool = True  # when first registered; the digest waits for its hour


JOBS: dict[str, JobSpec] = {spec.id: spec for spec in (
    JobSpec("reminders.scan", "扫描到期提醒", _scan,
            lambda: IntervalTrigger(minutes=current_app.config["REMINDER_SCAN_MINUTES"],
                                    timezone=timeutil.zone()), None),
    JobSpec("outbox.deliver", "发送待发消息（邮件、群机器人）", _deliver,
            lambda: IntervalTrigger(seconds=current_app.config["OUTBOX_INTERVAL_SECONDS"],
                                    timezone=timeutil.zone()), None),
    JobSpec("digest.daily", "每日简报", _digest,
            lambda: CronTrigger(**_clock("DIGEST_TIME"), timezone=timeutil.zone()), 4 * 3600,
            first_run_at_once=False),
    JobSpec("dashboard.refresh", "预先计算驾驶舱数据", _dashboard,
            lambda: IntervalTrigger(seconds=max(current_app.config["DASHBOARD_REFRESH_SECONDS"], 5),
                                    timezone=timeutil.zone()), 60),
    JobSpec("archive.build", "生成会议归档包", _archives,
            lambda: IntervalTrigger(seconds=max(current_app.config["ARCHIVE_INTERVAL_SECONDS"], 2),
                                    timezone=timeutil.zone()), 60),
    JobSpec("db.statistics", "更新数据库查询统计", _statistics,
            lambda: IntervalTrigger(hours=current_app.config["DB_STATISTICS_HOURS"], timezone=timeutil.zone()),
            3600),
    JobSpec("notices.tick", "发送定时通知公告、提醒未读", _notices,
            lambda: IntervalTrigger(seconds=current_app.config["NOTICES_INTERVAL_SECONDS"],
                                    timezone=timeutil.zone()), None),
    JobSpec("heartbeat", "调度器心跳", _heartbeat,
            lambda: IntervalTrigger(seconds=30, timezone=timeutil.zone()), 30),
)}


# ── running one job ────────────────────────────────────────────────────────────────────────────
def _job_run(job_id: str) -> JobRun:
    insert_ignoring_conflicts(JobRun, [{"job_id": job_id, "run_count": 0, "message": ""}], ["job_id"])
    return db.session.get(JobRun, job_id)


def execute_job(job_id: str) -> tuple[bool, str]:
    """Run one tick in the current app context; the outcome is committed whatever happens."""
    spec = JOBS[job_id]
    started = timeutil.now()
    try:
        message = spec.function()
        db.session.commit()
        succeeded = True
    except Exception as error:  # a failing tick must not kill the scheduler; it is logged and shown
        db.session.rollback()
        log.exception("scheduler job %s failed", job_id)
        message, succeeded = f"{type(error).__name__}: {error}", False
    run = _job_run(job_id)
    run.started_at, run.finished_at = started, timeutil.now()
    run.succeeded, run.message = succeeded, message[:500]
    run.run_count += 1
    beat("scheduler", f"{job_id} {'成功' if succeeded else '失败'}")
    db.session.commit()
    return succeeded, message


def run_job(job_id: str) -> None:
    """What the job store points at (by import path, so jobs survive pickling and restarts)."""
    if _app is None:
        log.error("scheduler job %s fired without an application", job_id)
        return
    with _app.app_context():
        execute_job(job_id)


# ── building and starting ──────────────────────────────────────────────────────────────────────
class AppDatabaseJobStore(SQLAlchemyJobStore):
    """The job store on the application's own engine, which outlives any scheduler: the stock
    shutdown() disposes the engine, which would drop the web worker's pool (and an in-memory DB)."""

    def __init__(self):
        super().__init__(engine=db.engine, tablename=JOBSTORE_TABLE)

    def shutdown(self):
        pass


def _jobstore(app: Flask):
    """The application's database; an in-memory SQLite (tests) cannot be shared with the threads."""
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if url in ("sqlite://", "sqlite:///:memory:"):
        return MemoryJobStore()
    return AppDatabaseJobStore()


def new_scheduler(app: Flask, jobstore=None) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": jobstore if jobstore is not None else _jobstore(app)},
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=timeutil.zone(),
    )


def register_jobs(scheduler: BackgroundScheduler, *, only_missing: bool = False) -> None:
    """Fixed ids, replace_existing; a stored next run time (or a pause) survives the re-registration."""
    for spec in JOBS.values():
        existing = scheduler.get_job(spec.id)
        if existing is not None and only_missing:
            continue
        if existing is not None:
            keep = {"next_run_time": existing.next_run_time}
        else:
            keep = {"next_run_time": timeutil.now()} if spec.first_run_at_once else {}
        scheduler.add_job(run_job, trigger=spec.trigger(), args=[spec.id], id=spec.id, name=spec.label,
                          replace_existing=True, misfire_grace_time=spec.misfire_grace_time, coalesce=True,
                          max_instances=1, **keep)


def start_scheduler(app: Flask, jobstore=None) -> BackgroundScheduler:
    """Start the ticks in background threads of this process (call once per process)."""
    global _app
    _app = app
    with app.app_context():
        scheduler = new_scheduler(app, jobstore)
        scheduler.start(paused=True)
        register_jobs(scheduler)
        scheduler.resume()
    log.info("scheduler started with jobs %s", ", ".join(JOBS))
    return scheduler


def run_forever(app: Flask) -> None:
    """`flask scheduler run`: block until SIGTERM/SIGINT, then let running jobs finish."""
    scheduler = start_scheduler(app)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    stop.wait()
    log.info("scheduler stopping")
    scheduler.shutdown(wait=True)


# ── control from the admin page (a web worker has no running scheduler) ───────────────────────
@contextlib.contextmanager
def job_store_control(app: Flask, *, register_missing: bool = True):
    """A paused scheduler over the shared job store: lets the web page read and change the jobs
    without running any. The running scheduler sees the change at its next wake-up (≤ 1 minute)."""
    db.session.commit()  # the job store uses its own connection; release ours (SQLite locks)
    scheduler = new_scheduler(app, AppDatabaseJobStore())
    scheduler.start(paused=True)
    try:
        if register_missing:
            register_jobs(scheduler, only_missing=True)
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


@dataclass(frozen=True)
class JobState:
    spec: JobSpec
    next_run_at: dt.datetime | None
    is_paused: bool
    last_run: JobRun | None


def job_states(app: Flask) -> list[JobState]:
    with job_store_control(app, register_missing=False) as scheduler:
        stored = {job.id: job for job in scheduler.get_jobs()}
    runs = {run.job_id: run for run in db.session.scalars(select(JobRun))}
    states = []
    for spec in JOBS.values():
        job = stored.get(spec.id)
        next_run = job.next_run_time.astimezone(dt.UTC) if job is not None and job.next_run_time else None
        states.append(JobState(spec, next_run, job is not None and job.next_run_time is None, runs.get(spec.id)))
    return states


def pause_job(app: Flask, job_id: str) -> None:
    with job_store_control(app) as scheduler:
        scheduler.pause_job(job_id)


def resume_job(app: Flask, job_id: str) -> None:
    with job_store_control(app) as scheduler:
        scheduler.resume_job(job_id)
