"""The scheduler's jobs: wrappers, the job store across restarts, two schedulers, the CLI."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import MetaData, Table, func, select

from meetingprep import create_app, scheduler
from meetingprep.extensions import db
from meetingprep.notifications.models import JobRun, Notification, ReminderLog
from meetingprep.notifications.scan import scan_reminders
from meetingprep.ops.heartbeat import last_beat
from tests.notifications.conftest import build_task, local

EXPECTED_JOBS = {"reminders.scan", "outbox.deliver", "digest.daily", "dashboard.refresh", "archive.build",
                 "db.statistics", "notices.tick", "heartbeat"}


def test_execute_job_records_the_outcome_and_beats(app, cast, clock):
    moment = clock(2027, 1, 9, 17, 0)
    build_task(cast, local(2027, 1, 8, 17, 0))
    db.session.commit()
    succeeded, message = scheduler.execute_job("reminders.scan")
    assert succeeded and "新提醒 2 项" in message  # owner day 1 + lead
    run = db.session.get(JobRun, "reminders.scan")
    assert run.succeeded and run.run_count == 1 and run.finished_at == moment
    assert last_beat("scheduler") == moment
    assert db.session.scalar(select(func.count(Notification.id))) == 2


def test_a_failing_job_is_recorded_and_rolled_back(app, monkeypatch):
    def broken():
        db.session.add(JobRun(job_id="half-done", message=""))
        raise RuntimeError("扫描出错")

    monkeypatch.setitem(scheduler.JOBS, "reminders.scan",
                        scheduler.JobSpec("reminders.scan", "扫描到期提醒", broken, lambda: None, None))
    succeeded, message = scheduler.execute_job("reminders.scan")
    assert not succeeded and "扫描出错" in message
    run = db.session.get(JobRun, "reminders.scan")
    assert run.succeeded is False and "RuntimeError" in run.message
    assert db.session.get(JobRun, "half-done") is None


def test_real_scheduler_registers_fixed_jobs_that_survive_a_restart(tmp_path):
    """One test runs the real BackgroundScheduler with the SQLAlchemyJobStore on a file SQLite."""
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
              "DATABASE_URL": f"sqlite:///{tmp_path / 'sched.sqlite'}"}
    app = create_app(config)
    with app.app_context():
        db.create_all()
    first = scheduler.start_scheduler(app)
    try:
        jobs = {job.id: job for job in first.get_jobs()}
        assert set(jobs) == EXPECTED_JOBS
        assert all(job.next_run_time is not None for job in jobs.values())
        assert jobs["digest.daily"].trigger.fields[5].expressions[0].first == 8  # hour field: 08:30
        first.pause_job("digest.daily")
    finally:
        first.shutdown(wait=True)

    app2 = create_app(config)  # a restart: new process state, same database
    second = scheduler.start_scheduler(app2)
    try:
        jobs = {job.id: job for job in second.get_jobs()}
        assert set(jobs) == EXPECTED_JOBS  # replaced, not duplicated
        assert jobs["digest.daily"].next_run_time is None  # the pause survived the restart
        with app2.app_context():
            # reflected into its own MetaData: in db.metadata it would follow every later create_all
            # (with SQLite's BLOB type, which PostgreSQL does not know)
            assert db.session.scalar(select(func.count()).select_from(Table(
                scheduler.JOBSTORE_TABLE, MetaData(), autoload_with=db.engine))) == len(EXPECTED_JOBS)
            states = {state.spec.id: state for state in scheduler.job_states(app2)}
            assert states["digest.daily"].is_paused and not states["reminders.scan"].is_paused
    finally:
        second.shutdown(wait=True)
        with app2.app_context():
            db.engine.dispose()


def test_pause_resume_through_the_shared_store(app):
    scheduler.pause_job(app, "reminders.scan")
    states = {state.spec.id: state for state in scheduler.job_states(app)}
    assert states["reminders.scan"].is_paused and states["outbox.deliver"].next_run_at is not None
    scheduler.resume_job(app, "reminders.scan")
    states = {state.spec.id: state for state in scheduler.job_states(app)}
    assert not states["reminders.scan"].is_paused and states["reminders.scan"].next_run_at is not None


def test_cli_run_once(app, cast, clock):
    clock(2027, 1, 9, 17, 0)
    build_task(cast, local(2027, 1, 8, 17, 0))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["scheduler", "run-once"])
    assert result.exit_code == 0, result.output
    assert "reminders.scan: 成功" in result.output and "outbox.deliver: 成功" in result.output
    assert db.session.scalar(select(func.count(ReminderLog.id))) == 2
    again = app.test_cli_runner().invoke(args=["scheduler", "run-once"])
    assert "新提醒 0 项" in again.output


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_two_schedulers_scanning_at_once_duplicate_nothing(app, cast, clock):
    clock(2027, 1, 1, 9, 0)
    for n in range(40):
        build_task(cast, local(2027, 1, 8, 17, 0) if n % 2 else local(2027, 1, 6, 17, 0), title=f"任务{n}",
                   coworkers=[cast.coworker])
    db.session.commit()
    clock(2027, 1, 11, 17, 30)  # every task overdue ≥ 3 days: owner, lead, secretariat
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one_scheduler():
        with app.app_context():
            try:
                barrier.wait()
                results.append(scan_reminders())
                db.session.commit()
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one_scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r.items for r in results) == 40 * 3  # each item claimed by exactly one scheduler
    assert db.session.scalar(select(func.count(ReminderLog.id))) == 120
    per_person = dict(db.session.execute(select(Notification.recipient_id, func.count(Notification.id))
                                         .group_by(Notification.recipient_id)).all())
    # one message per person per scan: at most one from each scheduler, never one per task
    assert set(per_person) == {cast.owner, cast.lead, cast.secretary}
    assert all(count <= 2 for count in per_person.values())


def test_the_statistics_job_analyzes_sqlite(app):
    from sqlalchemy import text

    from tests import factories

    factories.make_task()
    db.session.commit()
    succeeded, message = scheduler.execute_job("db.statistics")
    assert succeeded
    if db.engine.dialect.name == "sqlite":
        assert message == "已更新查询统计"
        analyzed = set(db.session.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")))
        assert {"tasks", "users"} <= analyzed
    else:
        assert "autovacuum" in message
