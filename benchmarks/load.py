"""``make load``: fifty simulated people of every role against gunicorn, then a hunt for lost writes.

For SQLite and (with ``--database-url``) PostgreSQL:
1. fresh data (``flask demo --scale large`` by default) in its own instance / database ``<name>_load``,
2. a plan from that data (``--plan``, in-process): each simulated person's account and their own,
   disjoint tasks, documents and members,
3. gunicorn with several workers on 127.0.0.1, locust headless for a bounded time (benchmarks/locustfile.py),
4. afterwards (``--verify``, in-process): every acknowledged write must be in the database — each
   started task has its "start" event, each task's progress is the last value acknowledged for it, each
   comment and uploaded version (by its random token) exists, each check-in row exists — and no
   response may have been a 5xx.
With ``--instances 2`` two gunicorn servers on different ports (as two hosts would be) share the database,
the instance folder and one scheduler process; each simulated person's requests alternate between them, and
afterwards each server's dashboard must show the database's figures within the refresh interval.
Results go to benchmarks/results/load-<time>.md. Exit status 1 when a write was lost, a 5xx seen or a
server's figures stayed stale.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import PYTHON, RESULTS_DIR, ROOT, empty_database, flask, instance_env, machine, serve

OWNER_TASKS = 12  # tasks per simulated owner
DRAFTER_DOCUMENTS = 40
DESK_MEMBERS = 400


def build_plan() -> dict:
    """Accounts and their disjoint objects, read from the generated data (run in-process)."""
    from collections import defaultdict

    from flask import url_for
    from sqlalchemy import select

    from meetingprep import create_app
    from meetingprep.attendance.models import MemberProfile, Sitting
    from meetingprep.auth.models import User
    from meetingprep.documents.models import Document, DocumentDrafter
    from meetingprep.documents.states import VERSION_ACTIONS
    from meetingprep.extensions import db
    from meetingprep.meetings.models import Meeting
    from meetingprep.permissions import Role
    from meetingprep.tasks.models import Task
    from meetingprep.tasks.states import TaskStatus

    app = create_app()
    with app.test_request_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.is_current.is_(True)))
        by_owner = defaultdict(list)
        for username, task_id, status in db.session.execute(
                select(User.username, Task.id, Task.status).join(User, User.id == Task.owner_id)
                .where(Task.meeting_id == meeting.id, User.role == Role.STAFF,
                       Task.status.in_([TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS]))
                .order_by(User.username, Task.id)):
            if len(by_owner[username]) < OWNER_TASKS:
                by_owner[username].append((task_id, status.value))
        owners = [{"username": name, "tasks": tasks} for name, tasks in sorted(by_owner.items())]

        by_drafter = defaultdict(list)
        for username, document_id in db.session.execute(
                select(User.username, Document.id).join(DocumentDrafter, DocumentDrafter.document_id == Document.id)
                .join(User, User.id == DocumentDrafter.user_id)
                .where(Document.meeting_id == meeting.id, Document.status.in_(list(VERSION_ACTIONS)),
                       User.role == Role.STAFF).order_by(User.username, Document.id)):
            if len(by_drafter[username]) < DRAFTER_DOCUMENTS:
                by_drafter[username].append(document_id)
        drafters = sorted(({"username": name, "documents": docs} for name, docs in by_drafter.items()),
                          key=lambda d: -len(d["documents"]))
        taken = {o["username"] for o in owners[:25]}
        drafters = [d for d in drafters if d["username"] not in taken] or drafters

        sitting = db.session.scalar(select(Sitting).where(Sitting.meeting_id == meeting.id,
                                                          Sitting.closed_at.is_(None), Sitting.expectation == "all")
                                    .order_by(Sitting.starts_at))
        members = db.session.scalars(select(MemberProfile.id).where(MemberProfile.meeting_id == meeting.id)
                                     .order_by(MemberProfile.id)).all()
        desk_users = ["mishu", "mishu2", "huiwu_zz", "huiwu_01", "huiwu_02"]
        desk = [{"username": name, "sitting_id": sitting.id, "members": members[n::len(desk_users)][:DESK_MEMBERS],
                 "url": url_for("attendance.desk_check_in", sitting_id=sitting.id),
                 "desk": url_for("attendance.desk", sitting_id=sitting.id)} for n, name in enumerate(desk_users)]
        readers = [{"username": name} for name in ("zhuxi", "fuzhuxi1", "fuzhuxi2", "mishuzhang", "admin", "mishu")]
        member_users = db.session.scalars(select(User.username).join(MemberProfile, MemberProfile.user_id == User.id)
                                          .where(MemberProfile.meeting_id == meeting.id).limit(7)).all()
        group_id = db.session.scalar(select(Task.group_id).where(Task.meeting_id == meeting.id).limit(1))
        return {
            "password": app.config["DEMO_PASSWORD"], "owners": owners, "drafters": drafters, "desk": desk,
            "readers": readers, "members": [{"username": name} for name in member_users],
            "reader_urls": [url_for("tasks.ledger"), url_for("tasks.ledger", overdue=1),
                            url_for("tasks.board", group_id=group_id), url_for("plans.timeline", group=group_id),
                            url_for("documents.board"), url_for("dashboard.index"), url_for("dashboard.api"),
                            url_for("attendance.index")],
            "member_urls": [url_for("attendance.me"), "/notifications/", "/"],
        }


def verify(acks_path: str) -> dict:
    """Each acknowledged write, looked up in the database (run in-process)."""
    from sqlalchemy import select

    from meetingprep import create_app
    from meetingprep.attendance.models import CheckIn
    from meetingprep.documents.models import DocumentVersion
    from meetingprep.extensions import db
    from meetingprep.tasks.models import Task, TaskComment, TaskEvent

    acks = [json.loads(line) for line in Path(acks_path).read_text().splitlines() if line.strip()]
    app = create_app()
    counts: dict[str, int] = {}
    lost: list[dict] = []
    last_progress: dict[int, int] = {}
    with app.app_context():
        for ack in acks:
            kind = ack["kind"]
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "progress":
                last_progress[ack["task_id"]] = ack["value"]  # one writer per task: the log is in order
                continue
            found = {
                "start": lambda a: select(TaskEvent.id).where(TaskEvent.task_id == a["task_id"],
                                                              TaskEvent.action == "start"),
                "comment": lambda a: select(TaskComment.id).where(TaskComment.task_id == a["task_id"],
                                                                  TaskComment.body.contains(a["token"])),
                "version": lambda a: select(DocumentVersion.id).where(
                    DocumentVersion.document_id == a["document_id"], DocumentVersion.note == a["token"]),
                "check_in": lambda a: select(CheckIn.id).where(CheckIn.sitting_id == a["sitting_id"],
                                                               CheckIn.member_id == a["member_id"]),
            }[kind](ack)
            if db.session.scalar(found.limit(1)) is None:
                lost.append(ack)
        progress = dict(db.session.execute(
            select(Task.id, Task.progress).where(Task.id.in_(list(last_progress)))).all())
        lost += [{"kind": "progress", "task_id": task_id, "value": value, "in_database": progress.get(task_id)}
                 for task_id, value in last_progress.items() if progress.get(task_id) != value]
    return {"acknowledged": counts, "progress_tasks": len(last_progress), "lost": lost}


def _in_process(env: dict, *args: str) -> dict:
    out = subprocess.run([PYTHON, "-m", "benchmarks.load", *args], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _locust_stats(prefix: str) -> list[dict]:
    with open(f"{prefix}_stats.csv") as stats:
        return list(csv.DictReader(stats))


def truth() -> dict:
    """What the dashboard should say now: tasks in progress and accepted in the current meeting."""
    from sqlalchemy import func, select

    from meetingprep import create_app
    from meetingprep.extensions import db
    from meetingprep.tasks.models import Task
    from meetingprep.tasks.states import TaskStatus
    from meetingprep.web import current_meeting

    with create_app().app_context():
        meeting = current_meeting()
        counts = dict(db.session.execute(select(Task.status, func.count()).where(Task.meeting_id == meeting.id)
                                         .group_by(Task.status)).all())
        return {"in_progress": counts.get(TaskStatus.IN_PROGRESS, 0), "accepted": counts.get(TaskStatus.DONE, 0)}


def dashboard_freshness(env: dict, bases: list[str], password: str, limit: float = 30.0) -> dict:
    """Seconds until each server's dashboard shows the database's figures (None if not within ``limit``):
    every process's caches must follow the shared data version, whichever server took the writes."""
    from benchmarks.run import Session

    want = _in_process(env, "--truth")
    started, agreed = time.perf_counter(), {}
    sessions = {base: Session(base) for base in bases}
    for session in sessions.values():
        session.login("zhuxi", password)
    while len(agreed) < len(bases) and time.perf_counter() - started < limit:
        for base, session in sessions.items():
            if base in agreed:
                continue
            _status, body = session.request("GET", "/api/dashboard")
            figures = json.loads(body)
            shown = {"in_progress": sum(row["in_progress"] for row in figures["groups"]["rows"]),
                     "accepted": figures["overview"]["completion"]["accepted"]}
            if shown == want:
                agreed[base] = round(time.perf_counter() - started, 1)
        time.sleep(0.5)
    return {base: agreed.get(base) for base in bases}


def run_target(label: str, database_url: str | None, args, work: Path) -> tuple[str, bool]:
    env = instance_env(f"load_{args.scale}", database_url)
    empty_database(env)
    started = time.perf_counter()
    flask(env, "demo", "--scale", args.scale, "--reset")
    print(f"[load] {label}: {args.scale} data in {time.perf_counter() - started:.0f} s")
    plan = _in_process(env, "--plan")
    plan_path, acks, statuses = work / f"plan-{label}.json", work / f"acks-{label}.jsonl", work / f"st-{label}.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False))
    # Several app servers share the database, the instance folder (secret key, uploads) and one scheduler.
    servers = [serve(env, args.workers) for _ in range(args.instances)]
    bases = [base for _process, base in servers]
    scheduler = (subprocess.Popen([PYTHON, "-m", "flask", "--app", "meetingprep", "scheduler", "run"], env=env,
                                  cwd=ROOT, stdout=subprocess.DEVNULL) if args.instances > 1 else None)
    freshness = {}
    try:
        subprocess.run(
            [PYTHON, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.run_time}s", "--host", bases[0],
             "--csv", str(work / label), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
             "--exit-code-on-error", "0"],
            env={**env, "BENCH_LOAD_PLAN": str(plan_path), "BENCH_LOAD_ACKS": str(acks),
                 "BENCH_LOAD_STATUSES": str(statuses), "BENCH_LOAD_HOSTS": ",".join(bases)},
            cwd=ROOT, check=True, timeout=args.run_time + 120)
        if len(bases) > 1:
            freshness = dashboard_freshness(env, bases, plan["password"])
    finally:
        for process, _base in servers:
            process.terminate()
            process.wait(timeout=30)
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=30)
    checked = _in_process(env, "--verify", str(acks))
    seen = json.loads(statuses.read_text())
    server_errors = sum(n for status, n in seen.items() if status.startswith("5") or status == "error")
    rows = _locust_stats(str(work / label))
    servers_text = (f"{args.instances} app servers × {args.workers} gunicorn workers on one database, one "
                    f"scheduler process, requests alternating between the servers" if args.instances > 1
                    else f"{args.workers} gunicorn workers")
    lines = [f"### {label}", "",
             f"{args.users} simulated people for {args.run_time} s ({args.scale} data, {servers_text}). "
             f"Responses by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(seen.items())) + ".", "",
             "| request | count | failures | median ms | p95 ms | req/s |", "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
                     f"{row['Median Response Time']} | {row['95%']} | {float(row['Requests/s']):.1f} |")
    acknowledged = ", ".join(f"{kind} {n}" for kind, n in sorted(checked["acknowledged"].items()))
    lines += ["", f"Acknowledged writes: {acknowledged} (progress on {checked['progress_tasks']} tasks, last value "
                  f"checked). Lost writes: **{len(checked['lost'])}**. 5xx / connection errors: **{server_errors}**."]
    if checked["lost"]:
        lines += ["", "Lost: " + json.dumps(checked["lost"][:20], ensure_ascii=False)]
    if freshness:
        lines += ["", "Dashboard after the last write, per server (seconds until its figures equal the database's; "
                      f"the documented bound is DASHBOARD_REFRESH_SECONDS): {json.dumps(freshness)}"]
    stale = any(seconds is None for seconds in freshness.values())
    ok = not checked["lost"] and not server_errors and not stale
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", metavar="ACKS", help=argparse.SUPPRESS)
    parser.add_argument("--truth", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--instances", type=int, default=1,
                        help="app servers sharing the database (with a scheduler process when more than one)")
    parser.add_argument("--database-url", default=None,
                        help="also PostgreSQL: postgresql+psycopg://postgres@127.0.0.1:5432/meetingprep_bench")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--scale", default="large", choices=["small", "large"])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--run-time", type=int, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    if args.plan:
        print(json.dumps(build_plan(), ensure_ascii=False))
        return
    if args.verify:
        print(json.dumps(verify(args.verify), ensure_ascii=False))
        return
    if args.truth:
        print(json.dumps(truth()))
        return

    targets = ([] if args.no_sqlite else [("SQLite", None)]) + (
        [("PostgreSQL", args.database_url)] if args.database_url else [])
    report, all_ok = [f"machine: {machine()}", ""], True
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in targets:
            text, ok = run_target(label, url, args, Path(tmp))
            report += [text, ""]
            all_ok &= ok
    text = "\n".join(report)
    print(text)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"load-{time.strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(text + "\n")
    print(f"[load] written {path.relative_to(ROOT)}")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
