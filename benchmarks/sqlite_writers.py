"""``python -m benchmarks.sqlite_writers``: a burst of short SQLite write transactions, with and without the
writers' queue (meetingprep/sqlite_writers.py).

``--processes`` × ``--threads`` writers (gunicorn's workers × threads) each write one row at a time with a
little Python work inside the transaction and a pause between transactions, for ``--seconds``. Prints the
latency from asking for the lock to the commit (p50/p95/p99/max) and the transactions done, for SQLite's own
busy handler ("plain") and for the queue, alternating ``--rounds`` times on a scratch file.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from meetingprep.sqlite_writers import QueuedWriterConnection

WORK_INSIDE = 20_000  # additions done while holding the lock: about what a check-in's flush costs in Python


def _writer_process(database: str, queued: bool, threads: int, seconds: float, out) -> None:
    latencies: list[float] = []

    def write_for_a_while() -> None:
        factory = QueuedWriterConnection if queued else sqlite3.Connection
        conn = sqlite3.connect(database, timeout=30, factory=factory, isolation_level=None, check_same_thread=False)
        if queued:
            conn.join_queue()
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            time.sleep(random.uniform(0.02, 0.12))
            started = time.perf_counter()
            if queued:
                conn.take_turn()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO notes (body) VALUES (?)", ("签到" * 50,))
            sum(range(WORK_INSIDE))
            conn.commit()
            latencies.append(time.perf_counter() - started)
        conn.close()

    workers = [threading.Thread(target=write_for_a_while) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put(latencies)


def one_round(folder: Path, queued: bool, processes: int, threads: int, seconds: float) -> dict:
    database = folder / f"burst-{time.monotonic_ns()}.sqlite"
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    out = multiprocessing.Queue()
    running = [multiprocessing.Process(target=_writer_process, args=(str(database), queued, threads, seconds, out))
               for _ in range(processes)]
    for process in running:
        process.start()
    latencies = sorted(ms for _ in running for ms in out.get())
    for process in running:
        process.join()
    pick = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000  # noqa: E731
    return {"kind": "queue" if queued else "plain", "transactions": len(latencies), "p50": pick(0.5),
            "p95": pick(0.95), "p99": pick(0.99), "max": latencies[-1] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for queued in (False, True):
                row = one_round(Path(folder), queued, args.processes, args.threads, args.seconds)
                print("{kind:5}  {transactions:5} transactions  p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:7.1f}  "
                      "max {max:7.1f} ms".format(**row), flush=True)


if __name__ == "__main__":
    main()
