"""SQLite's writers queue for their turn (meetingprep/sqlite_writers.py): the turn is held exactly from
``BEGIN IMMEDIATE`` to the end of the transaction, other processes see it through the lock file, and a
writer that cannot get its turn in time still goes on to SQLite's own lock."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from meetingprep.extensions import db
from meetingprep.sqlite_writers import QueuedWriterConnection, queue_for

#: Run in another process: exits 0 when it could take the turn (the lock file's flock) at once, 1 when not.
PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
"""


def another_process_could_write(lock_path) -> bool:
    return subprocess.run([sys.executable, "-c", PROBE, str(lock_path)]).returncode == 0


@pytest.fixture
def file_db(sqlite_file_app):
    app, path = sqlite_file_app
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        yield app, path, queue_for(str(path))


def test_the_app_connects_through_the_queue(file_db):
    _app, path, queue = file_db
    with db.engine.connect() as conn:
        driver = conn.connection.dbapi_connection
        assert isinstance(driver, QueuedWriterConnection) and driver.writer_queue is queue
    assert queue.lock_path == path.with_name(path.name + "-writers.lock")


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_a_write_holds_the_turn_from_begin_to_its_end(file_db, ending):
    _app, _path, queue = file_db
    assert another_process_could_write(queue.lock_path)
    conn = db.engine.connect()
    try:
        conn.execute(text("INSERT INTO notes (body) VALUES ('会务')"))  # BEGIN IMMEDIATE: the turn is taken
        assert not another_process_could_write(queue.lock_path)
        getattr(conn, ending)()
        assert another_process_could_write(queue.lock_path)  # … and given back as the transaction ends
        conn.execute(text("INSERT INTO notes (body) VALUES ('秘书')"))  # the same connection's next transaction
        assert not another_process_could_write(queue.lock_path)
        conn.commit()
        assert another_process_could_write(queue.lock_path)  # it did not keep it between the two
    finally:
        conn.close()
    assert db.session.scalar(text("SELECT count(*) FROM notes")) == (2 if ending == "commit" else 1)


def test_a_second_thread_waits_its_turn_and_writes_when_the_first_commits(file_db):
    app, _path, _queue = file_db
    first = db.engine.connect()
    first.execute(text("INSERT INTO notes (body) VALUES ('first')"))
    started, done = threading.Event(), threading.Event()

    def second() -> None:
        with app.app_context(), db.engine.connect() as conn:
            started.set()
            conn.execute(text("INSERT INTO notes (body) VALUES ('second')"))
            conn.commit()
            done.set()

    thread = threading.Thread(target=second)
    thread.start()
    started.wait(5)
    assert not done.wait(0.15)  # queued behind the first writer (within the busy timeout of 0.2 s)
    first.commit()
    first.close()
    thread.join(5)
    assert done.is_set()
    assert db.session.scalars(text("SELECT body FROM notes ORDER BY id")).all() == ["first", "second"]


def test_a_writer_whose_turn_does_not_come_goes_on_to_sqlites_own_lock(file_db):
    """Another process holds the queue but not the database (it died mid-way, say): after the busy timeout the
    writer asks SQLite itself, which lets it write."""
    _app, _path, queue = file_db
    fd = os.open(queue.lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO notes (body) VALUES ('written anyway')"))
    finally:
        os.close(fd)
    assert db.session.scalar(text("SELECT body FROM notes")) == "written anyway"


def test_a_forked_worker_queues_with_its_parent_not_beside_it(file_db):
    """gunicorn forks its workers: a worker must neither inherit its parent's lock file (sharing its flock,
    both would write at once) nor its parent's thread lock (held in the parent at the fork, never released
    in the child)."""
    _app, _path, queue = file_db
    with db.engine.connect() as conn:
        conn.execute(text("INSERT INTO notes (body) VALUES ('parent')"))  # the parent holds its turn
        answers_r, answers_w = os.pipe()
        go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            while_held = queue.acquire(timeout=0.2)
            os.read(go_r, 1)
            after = queue.acquire(timeout=2)
            os.write(answers_w, b"%d%d" % (while_held, after))
            os._exit(0)
        try:
            os.close(answers_w)
            time.sleep(0.4)  # the child has tried while the parent held the turn
            conn.commit()
            os.write(go_w, b"1")
            answer = os.read(answers_r, 2)
        finally:
            os.waitpid(pid, 0)
    assert answer == b"01"  # kept waiting while the parent wrote, its turn once the parent committed
