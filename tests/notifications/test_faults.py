"""Faults the scheduler must survive: killed in the middle of a scan, and the clock jumping forward.

(SMTP down, a failing robot webhook and a sender crashing mid-delivery are in test_delivery.py; an
unreachable or locked database and a full disk in tests/ops/.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from meetingprep import timeutil
from meetingprep.extensions import db
from meetingprep.notifications import rules
from meetingprep.notifications.models import Notification, ReminderLog
from meetingprep.notifications.scan import scan_reminders
from tests.notifications.conftest import build_task, local

D = dt.timedelta(days=1)

# The scheduler process of the test: the reminder tick, with the scan stalled after it has claimed its
# items and written the messages (flushed, not committed) — or right after its commit — so the test can
# kill -9 it exactly there.
SCHEDULER = """
import json, sys, time
from meetingprep import create_app
from meetingprep.extensions import db
from meetingprep import scheduler
from meetingprep.notifications import scan

config, marker, stall = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
app = create_app(config)
create_messages = scan.create_messages

def stalled_before_commit(messages):
    create_messages(messages)
    db.session.flush()
    open(marker, "w").write(str(len(messages)))
    time.sleep(600)

if stall == "before-commit":
    scan.create_messages = stalled_before_commit
with app.app_context():
    print(scheduler.execute_job("reminders.scan"), flush=True)
    if stall == "after-commit":
        open(marker, "w").write("committed")
        time.sleep(600)
"""


@pytest.fixture
def database_config(postgres_schema, tmp_path) -> dict:
    """A database a second process can open: a file for SQLite, the test's own schema on PostgreSQL."""
    if postgres_schema:
        from tests.conftest import TEST_DATABASE_URL, _with_search_path

        url, options = _with_search_path(TEST_DATABASE_URL, postgres_schema)
        return {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'faults.sqlite'}"}


def _overdue_story(cast, count: int = 30) -> set[tuple]:
    """Tasks three days and more overdue (owner, lead and secretariat are due a reminder) and a few due
    tomorrow; returns the keys of every due item a scan must claim, exactly once each."""
    moment = timeutil.now()
    for n in range(count):
        due = moment - 3 * D - dt.timedelta(hours=5 + n) if n % 3 else moment + D - dt.timedelta(hours=3)
        build_task(cast, due, title=f"任务{n}", coworkers=[cast.coworker] if n % 2 else ())
    db.session.commit()
    ctx = rules.ScanContext(now=timeutil.now())
    keys = {item.key for rule in rules.RULES.values() for item in rule.collect(ctx)}
    db.session.remove()  # end the read transaction: the scheduler process needs the database
    return keys


def _logged() -> list[tuple]:
    db.session.remove()
    return [tuple(row) for row in db.session.execute(select(
        ReminderLog.rule, ReminderLog.object_type, ReminderLog.object_id, ReminderLog.recipient_id,
        ReminderLog.due_moment))]


def _per_recipient() -> dict[int, int]:
    return dict(db.session.execute(select(Notification.recipient_id, func.count(Notification.id))
                                   .group_by(Notification.recipient_id)).all())


def _kill_scheduler_at(app, tmp_path, stall: str) -> None:
    marker = tmp_path / f"{stall}.marker"
    config = {key: app.config[key] for key in ("TESTING", "SECRET_KEY")}
    config.update(INSTANCE_PATH=app.instance_path, DATABASE_URL=app.config["DATABASE_URL"],
                  SQLALCHEMY_ENGINE_OPTIONS=app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    process = subprocess.Popen([sys.executable, "-c", SCHEDULER, json.dumps(config), str(marker), stall],
                               cwd=os.getcwd(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(600):  # bounded: 60 s for the subprocess to reach the stall
            if marker.exists() or process.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), process.communicate(timeout=5)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.parametrize("stall", ["before-commit", "after-commit"])
def test_scheduler_killed_mid_scan_then_restarted_misses_and_doubles_nothing(app, cast, tmp_path, stall):
    expected = _overdue_story(cast)
    assert len(expected) > 40

    _kill_scheduler_at(app, tmp_path, stall)
    survived = _logged()
    if stall == "before-commit":
        assert survived == []  # the killed transaction left nothing half-written: no claim without its message
    else:
        assert set(survived) == expected

    scan_reminders()  # the restarted scheduler's next tick
    db.session.commit()
    logged = _logged()
    assert len(logged) == len(set(logged)) and set(logged) == expected  # each item exactly once
    per_person = _per_recipient()
    assert set(per_person) == {recipient for _rule, _type, _id, recipient, _moment in expected}
    assert all(count == 1 for count in per_person.values()), per_person  # one grouped message each, never two

    scan_reminders()  # and later ticks stay quiet
    db.session.commit()
    assert len(_logged()) == len(expected) and _per_recipient() == per_person


def test_clock_jumping_a_day_forward_sends_each_reminder_once_not_a_flood(app, cast, time_machine):
    start = local(2027, 1, 5, 9, 0)
    time_machine.move_to(start, tick=False)
    for n in range(24):  # deadlines spread over the next two days, one an hour
        build_task(cast, start + dt.timedelta(hours=10 + 2 * n), title=f"任务{n}", coworkers=[cast.coworker])
    db.session.commit()
    scan_reminders()
    db.session.commit()
    before = _per_recipient()
    logged_before = len(_logged())

    time_machine.move_to(start + D, tick=False)  # the host slept / NTP stepped: a day of ticks never ran
    ticks = [scan_reminders() for _ in range(5)]  # the scheduler catching up fires several ticks at once
    db.session.commit()
    claimed = ticks[0].items
    assert claimed >= 24  # the reminders that fell due during the jump …
    assert all(tick.items == 0 for tick in ticks[1:])  # … claimed by the first tick alone
    after = _per_recipient()
    new_messages = {user: after.get(user, 0) - before.get(user, 0) for user in after}
    assert 0 < sum(new_messages.values()) <= 2 * len(after)  # grouped: at most a message and an escalation each
    assert sum(new_messages.values()) < claimed
    logged = _logged()
    assert len(logged) == len(set(logged)) == logged_before + claimed
