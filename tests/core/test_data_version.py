"""The data version (data_version.py): raised by every transaction that wrote, in that transaction, so
every cache — in every worker — shows the right counts on the next view, however the data was written."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

import meetingprep
from meetingprep import create_app
from meetingprep.data_version import BOOKKEEPING_TABLES, DataVersion, changes_data, read
from meetingprep.extensions import db
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories
from tests.conftest import TEST_DATABASE_URL

_LABELS = {status.label: status for status in TaskStatus}


def ledger_counts(page: str) -> dict:
    """The ledger's status counts as shown: {"全部": n, TaskStatus…: n}."""
    nav = page[page.index('aria-label="按状态"'):]
    nav = nav[: nav.index("</nav>")]
    counts: dict = {"全部": int(re.search(r"全部\s*(\d+)", nav).group(1))}
    for label, number in re.findall(r"(" + "|".join(_LABELS) + r")\s*(?:<[^>]*>\s*)*(\d+)", nav):
        counts[_LABELS[label]] = int(number)
    return counts


@pytest.fixture
def ledger(app, client, login_as):
    meeting = factories.make_meeting()
    group = factories.make_group(meeting)
    owner = factories.make_user("staff", group=group)
    factories.make_task(meeting, group, owner)
    db.session.commit()
    login_as("secretariat")
    first = ledger_counts(client.get("/tasks/").get_data(as_text=True))
    assert first["全部"] == 1 and first[TaskStatus.NOT_STARTED] == 1
    return meeting, group, owner


def _version() -> int:
    with Session(db.engine) as session:
        return read(session)


def test_every_writing_transaction_raises_it_once_and_nothing_else_does(app):
    meeting = factories.make_meeting()
    db.session.commit()
    start = _version()
    factories.make_group(meeting)
    factories.make_group(meeting)
    db.session.commit()
    assert _version() == start + 1  # one transaction, however many statements
    db.session.scalar(select(Task.id))
    db.session.commit()
    assert _version() == start + 1  # a transaction that only read
    factories.make_group(meeting)
    db.session.rollback()
    assert _version() == start + 1  # rolled back: nothing changed
    db.session.execute(text("UPDATE meetings SET name = name || '!'"))
    db.session.commit()
    assert _version() == start + 2  # a text() statement counts too
    db.session.execute(update(Task).where(Task.id == -1).values(title="无"))
    db.session.commit()
    assert _version() == start + 2  # a statement that matched no row changed nothing


def test_scheduler_ticks_that_change_no_data_leave_it_alone(app, role_users):
    """The ticks run every few seconds: were their bookkeeping counted, no cache would outlive a tick."""
    from meetingprep.scheduler import execute_job

    execute_job("dashboard.refresh")  # stores the snapshot
    start = _version()
    for job_id in ("heartbeat", "dashboard.refresh", "outbox.deliver", "reminders.scan", "archive.build"):
        assert execute_job(job_id)[0], job_id
    assert _version() == start


def test_bookkeeping_alone_leaves_it_alone():
    assert changes_data("INSERT INTO tasks (title) VALUES (?)")
    assert changes_data('UPDATE "tasks" SET status=%(status)s')
    assert changes_data("DELETE FROM task_events WHERE id = ?")
    assert changes_data("INSERT OR REPLACE INTO meetings VALUES (1)")
    assert not changes_data("SELECT * FROM tasks")
    for table in BOOKKEEPING_TABLES:
        assert not changes_data(f"UPDATE {table} SET x = 1")
        assert not changes_data(f"INSERT INTO {table} (x) VALUES (1)")


def test_a_core_insert_shows_on_the_next_view(ledger, client):
    meeting, group, owner = ledger
    db.session.execute(insert(Task).values(meeting_id=meeting.id, group_id=group.id, owner_id=owner.id,
                                           title="直接插入的任务", due_at=now(), status=TaskStatus.NOT_STARTED))
    db.session.commit()
    counts = ledger_counts(client.get("/tasks/").get_data(as_text=True))
    assert counts["全部"] == 2 and counts[TaskStatus.NOT_STARTED] == 2


def test_a_bulk_update_shows_on_the_next_view(ledger, client):
    meeting, group, owner = ledger
    factories.make_task(meeting, group, owner)
    db.session.commit()
    assert ledger_counts(client.get("/tasks/").get_data(as_text=True))[TaskStatus.NOT_STARTED] == 2
    db.session.execute(update(Task).where(Task.meeting_id == meeting.id).values(status=TaskStatus.IN_PROGRESS))
    db.session.commit()
    counts = ledger_counts(client.get("/tasks/").get_data(as_text=True))
    assert counts[TaskStatus.NOT_STARTED] == 0 and counts[TaskStatus.IN_PROGRESS] == 2


def test_a_value_computed_before_a_rollback_is_neither_served_nor_kept(ledger, app, client):
    """Inside a transaction that wrote, counts include rows that may never be committed."""
    from meetingprep.tasks.queries import LedgerFilter
    from meetingprep.tasks.queries import ledger_counts as counted

    meeting, group, owner = ledger
    factories.make_task(meeting, group, owner)  # flushed, not committed
    with app.test_request_context("/tasks/"):
        assert sum(counted(meeting.id, LedgerFilter()).values()) == 2
    db.session.rollback()
    assert ledger_counts(client.get("/tasks/").get_data(as_text=True))["全部"] == 1


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="two writers at once need PostgreSQL (SQLite: one at a time)")
def test_a_writer_that_commits_last_is_counted_though_it_began_first(ledger, app, client):
    """Writer A writes first and commits last; B commits in between and a view caches its counts then.
    With the newest audit id as the version, A's commit changed nothing that the cache checked."""
    meeting, group, owner = ledger
    values = {"meeting_id": meeting.id, "group_id": group.id, "owner_id": owner.id, "due_at": now(),
              "status": TaskStatus.NOT_STARTED}
    with Session(db.engine) as writer_a, Session(db.engine) as writer_b:
        writer_a.execute(insert(Task).values(title="甲先写后提交", **values))
        writer_a.add(_audit_entry("甲"))
        writer_a.flush()  # A's audit id is taken now, before B's
        writer_b.execute(insert(Task).values(title="乙后写先提交", **values))
        writer_b.add(_audit_entry("乙"))
        writer_b.commit()
        assert ledger_counts(client.get("/tasks/").get_data(as_text=True))["全部"] == 2  # cached with B's task
        writer_a.commit()
    page = client.get("/tasks/").get_data(as_text=True)
    assert ledger_counts(page)["全部"] == 3 and "甲先写后提交" in page


def _audit_entry(who: str):
    """An audit entry as a service writes one beside its change (its id is taken at flush)."""
    from meetingprep.audit import AuditEntry

    return AuditEntry(action="task.create", object_type="task", object_label=f"{who}的任务")


@pytest.fixture
def two_workers(app_config, tmp_path, postgres_schema):
    """Two app instances (two worker processes or hosts) on one database."""
    config = dict(app_config)
    if not postgres_schema:
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    workers = [create_app(config), create_app(config)]
    with workers[0].app_context():
        if not postgres_schema:
            db.create_all()
    yield workers
    for worker in workers:
        with worker.app_context():
            db.session.remove()
            if postgres_schema:
                tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
                with db.engine.begin() as conn:
                    conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.engine.dispose()


def test_every_worker_follows_a_change_made_through_another(two_workers):
    from meetingprep.ops.sessions import start_session

    first = two_workers[0]
    with first.app_context():
        meeting = factories.make_meeting()
        group = factories.make_group(meeting)
        task = factories.make_task(meeting, group)
        user = factories.make_user("secretariat")
        start_session(user)
        db.session.commit()
        key, meeting_id, group_id, owner_id = user.get_id(), meeting.id, group.id, task.owner_id
    clients = []
    for worker in two_workers:
        client = worker.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = key, True
        clients.append(client)
    for client in clients:
        assert ledger_counts(client.get("/tasks/").get_data(as_text=True))["全部"] == 1
    with first.app_context():
        db.session.execute(update(Task).where(Task.group_id == group_id).values(status=TaskStatus.DONE))
        db.session.execute(insert(Task).values(meeting_id=meeting_id, group_id=group_id, owner_id=owner_id,
                                               title="另一台机器写入", due_at=now(), status=TaskStatus.NOT_STARTED))
        db.session.commit()
    for client in clients:
        counts = ledger_counts(client.get("/tasks/").get_data(as_text=True))
        assert counts["全部"] == 2 and counts[TaskStatus.DONE] == 1


def test_a_migration_run_raises_it(tmp_path):
    """Data steps of migrations write behind the hooks (the table may not exist yet): each run raises it once."""
    import flask_migrate

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'migrated.sqlite'}",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x"})
    with app.app_context():
        flask_migrate.upgrade()
        after_upgrade = _version()
        assert after_upgrade == 2  # created at 1 by its migration, raised by the run
        flask_migrate.upgrade()
        assert _version() == after_upgrade + 1
        db.session.add(DataVersion(id=2, version=0))  # a write through the app raises it as usual
        db.session.commit()
        assert _version() == after_upgrade + 2
        db.engine.dispose()


def test_no_cache_reads_the_newest_audit_id(app):
    """The newest audit id is no commit order, and changes made without an audit entry never move it."""
    root = Path(meetingprep.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "max" \
                    and "AuditEntry.id" in ast.unparse(node):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


def test_pages_with_caches_never_ask_for_the_newest_audit_id(app, client, login, role_users, count_queries):
    meeting, group = role_users["meeting"], role_users["group"]
    factories.make_task(meeting, group)
    db.session.commit()
    login(role_users["secretariat"])
    with count_queries() as counter:
        for url in ("/tasks/", f"/tasks/board/{group.id}", "/tasks/mine", "/plans/timeline", "/dashboard",
                    "/api/dashboard"):
            assert client.get(url).status_code == 200, url
    assert not [s for s in counter.statements if "max(audit_entries.id)" in s.lower()]
    assert any("data_version" in s for s in counter.statements)
