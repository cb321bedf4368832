"""SQLite's writers take turns in a queue on this host instead of polling for the lock.

SQLite lets one transaction write at a time. A second writer's ``BEGIN IMMEDIATE`` finds the lock taken
and SQLite's busy handler puts it to sleep — 1, 2, 5 … 25, 50, 100 ms — trying again after each nap. Under
a burst of writes (the opening morning's QR check-ins) the lock falls free while its waiters sleep, the next
newcomer can take it before them, and a write of a few milliseconds waits hundreds.

So before ``BEGIN IMMEDIATE`` a writer queues here: first on a lock shared by the threads of its process
(they wake in turn the moment it is released), then on an ``flock`` of a file beside the database, shared
by the processes of the host (gunicorn's workers, the scheduler, the command line). SQLite's own lock stays
the authority: the queue only decides who asks next. A writer that has queued longer than the busy timeout
goes on to SQLite's own handler, as before — a stuck holder still ends in "database is locked", not a hang.

The turn ends with the transaction, after its commit or rollback (``QueuedWriterConnection``).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

#: The longest nap between two tries on another process's turn: short, since only one thread per process
#: (the head of its process's queue) is polling.
_POLL_SECONDS = 0.001


class WriterQueue:
    """The writers of one database file, in this process and with the other processes of the host."""

    def __init__(self, database: Path):
        self.lock_path = database.with_name(database.name + "-writers.lock")
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = os.getpid()

    def acquire(self, timeout: float) -> bool:
        """Wait for this process's and then the host's turn; False when ``timeout`` ran out first."""
        self._after_fork()
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        try:
            fd = self._file()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(_POLL_SECONDS)
        except OSError:  # no lock file (a read-only folder): SQLite's busy handler alone, as before
            pass
        self._threads.release()
        return False

    def release(self) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def _after_fork(self) -> None:
        """A forked worker gets its own file and thread lock: a file inherited from the parent shares the
        parent's ``flock`` and would let both write at once."""
        if self._pid != os.getpid():
            self._pid, self._fd, self._threads = os.getpid(), None, threading.Lock()


_QUEUES: dict[Path, WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


def queue_for(database: str | None) -> WriterQueue | None:
    """The queue of a database file; None for an in-memory database (one connection, nothing to queue)."""
    if not database:
        return None
    path = Path(database).resolve()
    with _QUEUES_LOCK:
        return _QUEUES.setdefault(path, WriterQueue(path))


class QueuedWriterConnection(sqlite3.Connection):
    """The driver's connection (``sqlite3.connect(factory=…)``), which ends its turn in the writers' queue
    the moment its transaction ends — after the commit or rollback itself, which no SQLAlchemy event follows."""

    writer_queue: WriterQueue | None = None
    _turn_of: WriterQueue | None = None

    def join_queue(self) -> None:
        """On connecting: the queue of this connection's database file, if it has one."""
        database = self.execute("PRAGMA database_list").fetchone()[2]
        self.writer_queue = queue_for(database)
        self._timeout = self.execute("PRAGMA busy_timeout").fetchone()[0] / 1000

    def take_turn(self) -> None:
        """Before ``BEGIN IMMEDIATE``: wait up to the busy timeout for this writer's turn."""
        if self.writer_queue is not None and self._turn_of is None and self.writer_queue.acquire(self._timeout):
            self._turn_of = self.writer_queue

    def _end_turn(self) -> None:
        queue, self._turn_of = self._turn_of, None
        if queue is not None:
            queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()
