"""``make bench-rush``: the opening morning — the whole roster checks in within three minutes.

On a dedicated copy of the generated data (``rush-<scale>``) a sitting opens five minutes from now with every
member expected. Against gunicorn on this machine, for ``--seconds`` (180):

* every member arrives once, on a schedule that climbs to ``--peak`` arrivals a second: 90 % scan their
  personal QR code on a phone (GET the code's page, POST its form), 10 % queue at ten desks where staff find
  them by pinyin initials and check them in (JSON, as the desk's script does);
* 20 wall screens reload the wall every five seconds; 100 staff browse the ledger, the attendance home and
  the sitting's 未签到 list with a few seconds' thought between pages;
* the reminder scan runs twice, as the scheduler process would.

Afterwards it checks that every acknowledged check-in is in the database exactly once, and how long the live
counts and the 未签到 list take to agree with the database. It writes the latencies (p50/p95/p99 per kind),
the 5xx count and a plot of latency over the run (SVG) to benchmarks/results/.

Only loopback traffic; every loop is bounded by the run's length.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from benchmarks.run import PYTHON, RESULTS_DIR, ROOT, Session, instance_env, machine, prepare, serve

PASSWORD = "Rush-bench-2026"
DESKS, WALLS, STAFF = 10, 20, 100
TARGETS = {"check-in p95": 200, "check-in p99": 500, "browse p95": 300}  # ms
ROLL_PAGE = 100  # rows on one page of a sitting's roll
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# ── setup and verification, in-process on the instance (run as subprocesses of the runner) ──────────
def _app():
    from meetingprep import create_app

    return create_app()


def setup() -> dict:
    """Close whatever sitting is open around now, open the rush sitting, make the accounts; the plan as JSON."""
    import datetime as dt

    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from meetingprep import audit, timeutil
    from meetingprep.attendance import queries, services
    from meetingprep.attendance.models import MemberProfile, Sitting
    from meetingprep.auth.models import User
    from meetingprep.auth.services import create_user
    from meetingprep.extensions import db
    from meetingprep.groups.models import WorkingGroup
    from meetingprep.groups.services import add_member
    from meetingprep.permissions import Role
    from meetingprep.web import current_meeting

    app = _app()
    with app.app_context(), audit.acting_as(None):
        meeting = current_meeting()
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
        now = timeutil.now()
        for sitting in db.session.scalars(select(Sitting).where(
                Sitting.meeting_id == meeting.id, Sitting.closed_at.is_(None),
                Sitting.starts_at <= now + dt.timedelta(hours=4), Sitting.ends_at >= now - dt.timedelta(hours=1))):
            services.close_sitting(admin, sitting)
        rush = services.save_sitting(admin, meeting, {
            "kind": "opening", "name": f"开幕大会（压力测试 {now:%H:%M}）", "venue": "大会堂",
            "starts_at": now + dt.timedelta(minutes=5), "ends_at": now + dt.timedelta(hours=3),
            "expectation": "all", "late_grace_minutes": 30})
        password_hash = generate_password_hash(PASSWORD)
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.meeting_id == meeting.id)
                                  .order_by(WorkingGroup.sort_order, WorkingGroup.id))
        accounts: dict[str, list[str]] = {}
        for kind, count, role in (("desk", DESKS, Role.SECRETARIAT), ("wall", WALLS, Role.LEADER),
                                  ("staff", STAFF, Role.STAFF)):
            accounts[kind] = []
            for n in range(1, count + 1):
                username = f"rush{kind}{n:03d}"
                if not db.session.scalar(select(User.id).where(User.username == username)):
                    user = create_user(None, username=username, display_name=f"压测{kind}{n}", role=role,
                                       password=PASSWORD, password_hash=password_hash)
                    if role == Role.STAFF:
                        add_member(None, group, user, is_lead=False)
                accounts[kind].append(username)
        db.session.commit()
        members = [{"id": m.id, "initials": m.initials, "token": services.qr_token(m)}
                   for m in db.session.scalars(select(MemberProfile).where(MemberProfile.meeting_id == meeting.id)
                                               .order_by(MemberProfile.member_no))]
        assert queries.sitting_under_way(meeting.id, now, services.checkin_opens_before()).id == rush.id
        return {"sitting_id": rush.id, "members": members, "accounts": accounts}


def verify(sitting_id: int, acked: list[int]) -> dict:
    """The database against the acknowledgements: every acknowledged check-in there, once."""
    from sqlalchemy import func, select

    from meetingprep.attendance.models import CheckIn
    from meetingprep.extensions import db

    with _app().app_context():
        rows = db.session.execute(select(CheckIn.member_id, func.count()).where(CheckIn.sitting_id == sitting_id)
                                  .group_by(CheckIn.member_id)).all()
    stored = {member_id: n for member_id, n in rows}
    return {"stored": len(stored), "acknowledged": len(set(acked)), "acknowledged_twice": len(acked) - len(set(acked)),
            "missing": len(set(acked) - set(stored)), "duplicates": sum(1 for n in stored.values() if n > 1),
            "stored_unacknowledged": len(set(stored) - set(acked))}


# ── the load ──────────────────────────────────────────────────────────────────────────────────────
@dataclass
class Sample:
    at: float        # seconds since the start of the rush
    kind: str        # "qr", "desk", "browse", "wall"
    ms: float
    status: int
    server_ms: float | None = None  # the server's own time (Server-Timing): the rest is queueing and the network


class Recorder:
    def __init__(self, started: float):
        self.started, self.samples, self.acked, self.lock = started, [], [], threading.Lock()

    def add(self, kind: str, ms: float, status: int, acked_member: int | None = None,
            server_ms: float | None = None) -> None:
        with self.lock:
            self.samples.append(Sample(time.perf_counter() - self.started, kind, ms, status, server_ms))
            if acked_member is not None:
                self.acked.append(acked_member)


class CpuMeter:
    """The machine's busy share and this client's own CPU over the run, every ``step`` seconds: on one machine the
    load client competes with the server for the same cores, and the report says how much it took."""

    def __init__(self, step: float = 15.0):
        self.step, self.rows, self.stop = step, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _machine() -> tuple[float, float]:
        fields = [float(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    def _run(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        total0, idle0 = self._machine()
        own0, started = sum(os.times()[:2]), time.perf_counter()
        while not self.stop.wait(self.step):
            total, idle = self._machine()
            own = sum(os.times()[:2])
            cores = os.cpu_count() or 1
            busy = (total - total0 - (idle - idle0)) / ticks  # CPU-seconds used on the machine
            self.rows.append({"at_s": round(time.perf_counter() - started), "busy": busy / (self.step * cores),
                              "client": (own - own0) / (self.step * cores)})
            total0, idle0, own0 = total, idle, own

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> dict:
        self.stop.set()
        self.thread.join()
        rows = self.rows or [{"busy": 0.0, "client": 0.0}]
        return {"machine_busy": statistics.mean(r["busy"] for r in rows),
                "client_share": statistics.mean(r["client"] for r in rows), "rows": self.rows}


def timed(session: Session, method: str, path: str, data: dict | None = None, headers: dict | None = None):
    """(client ms, status, body, server ms): each session is used by one thread at a time."""
    started = time.perf_counter()
    status, body = session.request(method, path, data, headers)
    return (time.perf_counter() - started) * 1000, status, body, (session.server_timing or (None,))[0]


def arrival_times(count: int, seconds: float, peak: float) -> list[float]:
    """A morning's arrivals: a trickle, a climb to ``peak`` a second, a plateau, then the stragglers —
    scaled so that ``count`` arrive within ``seconds``."""
    shape = [(0.0, 0.05), (0.15, 0.2), (0.3, 1.0), (0.38, 1.0), (0.5, 0.2), (1.0, 0.04)]  # (time, rate)

    def rate(x: float) -> float:
        for (x0, y0), (x1, y1) in itertools.pairwise(shape):
            if x0 <= x <= x1:
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        return 0.0

    steps = 1000
    weights = [rate((i + 0.5) / steps) for i in range(steps)]
    scale = count / sum(weights)
    if max(weights) * scale * steps / seconds > peak:
        scale = peak * seconds / (max(weights) * steps)
    times, carried = [], 0.0
    for i, weight in enumerate(weights):
        carried += weight * scale
        while carried >= 1 and len(times) < count:
            carried -= 1
            times.append((i + random.random()) / steps * seconds)
    while len(times) < count:  # what the peak limit did not fit goes in the last seconds
        times.append(seconds * random.uniform(0.9, 1.0))
    return sorted(times)


def warm_up(base: str, desks: list, walls: list, staff: list, sitting: int, members: list[dict]) -> None:
    """Every page of the rush a few times on every worker before the doors open (a server that has been up
    all morning has loaded its templates and prepared its statements): reads only, nobody is checked in."""
    pages = [(walls[0], "/dashboard/wall"), (staff[0], "/tasks/"), (staff[0], "/attendance/"),
             (staff[0], f"/attendance/sittings/{sitting}?status=absent"), (staff[0], f"/attendance/sittings/{sitting}"),
             (desks[0], f"/attendance/sittings/{sitting}/desk/search?q={urllib.parse.quote(members[0]['initials'])}")]
    with ThreadPoolExecutor(8) as pool:
        for session, path in pages:
            list(pool.map(lambda _i, s=session, p=path: s.request("GET", p), range(16)))
        list(pool.map(lambda member: Session(base).request("GET", f"/attendance/qr/{member['token']}"), members[:32]))


def run_rush(base: str, plan: dict, seconds: float, peak: float, env: dict) -> tuple[Recorder, dict]:
    members = plan["members"][:]
    random.shuffle(members)
    desk_share = len(members) // 10
    desk_members, qr_members = members[:desk_share], members[desk_share:]
    sitting = plan["sitting_id"]

    def logged_in(username: str) -> Session:
        session = Session(base)
        session.login(username, PASSWORD)
        return session

    with ThreadPoolExecutor(32) as pool:
        desks = list(pool.map(logged_in, plan["accounts"]["desk"]))
        walls = list(pool.map(logged_in, plan["accounts"]["wall"]))
        staff = list(pool.map(logged_in, plan["accounts"]["staff"]))
    schedule = arrival_times(len(members), seconds, peak)
    kinds = ["desk" if i < desk_share else "qr" for i in range(len(members))]
    random.shuffle(kinds)
    qr_queue, desk_queue = iter(qr_members), iter(desk_members)
    desk_lines = [[] for _ in desks]  # each desk's queue of arrivals
    desk_ready = [threading.Condition() for _ in desks]
    stop = threading.Event()
    warm_up(base, desks, walls, staff, sitting, members)
    recorder = Recorder(time.perf_counter())

    def qr(member: dict) -> None:
        phone = Session(base)
        ms_get, status, body, server = timed(phone, "GET", f"/attendance/qr/{member['token']}")
        recorder.add("qr page", ms_get, status, server_ms=server)
        token = CSRF.search(body.decode("utf-8", "replace"))
        if status != 200 or token is None:
            return
        ms, status, body, server = timed(phone, "POST", f"/attendance/qr/{member['token']}",
                                         {"csrf_token": token.group(1)})
        recorder.add("qr", ms, status, member["id"] if status == 200 and b"alert-success" in body else None, server)

    def desk(index: int) -> None:
        session, line, ready = desks[index], desk_lines[index], desk_ready[index]
        while True:
            with ready:
                while not line and not stop.is_set():
                    ready.wait(0.5)
                if not line:
                    return
                member = line.pop(0)
            search = f"/attendance/sittings/{sitting}/desk/search?q={urllib.parse.quote(member['initials'])}"
            ms, status, _body, server = timed(session, "GET", search)
            recorder.add("desk search", ms, status, server_ms=server)
            ms, status, body, server = timed(session, "POST", f"/attendance/sittings/{sitting}/desk/check-in",
                                     {"csrf_token": session.csrf, "member_id": member["id"]},
                                     {"Accept": "application/json"})
            created = status == 200 and json.loads(body or b"{}").get("created")
            recorder.add("desk", ms, status, member["id"] if created else None, server)

    def wall(session: Session) -> None:
        time.sleep(random.uniform(0, 5))
        while not stop.is_set():
            ms, status, _, server = timed(session, "GET", "/dashboard/wall")
            recorder.add("wall", ms, status, server_ms=server)
            stop.wait(5)

    pages = ["/tasks/", "/attendance/", f"/attendance/sittings/{sitting}?status=absent",
             f"/attendance/sittings/{sitting}"]

    def browse(session: Session) -> None:
        time.sleep(random.uniform(0, 6))
        while not stop.is_set():
            ms, status, _, server = timed(session, "GET", random.choice(pages))
            recorder.add("browse", ms, status, server_ms=server)
            stop.wait(random.uniform(2, 6))

    scans = []

    def reminder_scans() -> None:
        for at in (seconds * 0.2, seconds * 0.6):
            if stop.wait(max(0.0, at - (time.perf_counter() - recorder.started))):
                return
            started = time.perf_counter()
            done = subprocess.run([PYTHON, "-m", "flask", "--app", "meetingprep", "scheduler", "run-once"],
                                  env=env, cwd=ROOT, capture_output=True, text=True)
            scans.append({"at_s": round(at, 1), "seconds": round(time.perf_counter() - started, 2),
                          "ok": done.returncode == 0})

    background = [threading.Thread(target=desk, args=(i,)) for i in range(len(desks))]
    background += [threading.Thread(target=wall, args=(s,)) for s in walls]
    background += [threading.Thread(target=browse, args=(s,)) for s in staff]
    background.append(threading.Thread(target=reminder_scans))
    recorder.started = time.perf_counter()
    meter = CpuMeter(15.0)
    meter.start()
    for thread in background:
        thread.start()
    with ThreadPoolExecutor(256) as arrivals:
        for kind, at in zip(kinds, schedule, strict=True):
            delay = at - (time.perf_counter() - recorder.started)
            if delay > 0:
                time.sleep(delay)
            if kind == "qr":
                arrivals.submit(qr, next(qr_queue))
            else:
                index = random.randrange(len(desks))
                with desk_ready[index]:
                    desk_lines[index].append(next(desk_queue))
                    desk_ready[index].notify()
    stop.set()
    for thread in background:
        thread.join()
    cpu = meter.finish()
    last_check_in = time.perf_counter()
    agreement = settle(desks[0], walls[0], sitting, recorder, last_check_in)
    return recorder, {"reminder_scans": scans, **agreement, "cpu": cpu}


def settle(session: Session, wall: Session, sitting: int, recorder: Recorder, since: float,
           limit: float = 10.0) -> dict:
    """Seconds until the live counts, the 未签到 list and the wall agree with the acknowledged check-ins (≤ limit)."""
    acked = len(set(recorder.acked))
    counts_at = absent_at = wall_at = None
    while time.perf_counter() - since <= limit and None in (counts_at, absent_at, wall_at):
        _s, body = session.request("GET", f"/attendance/sittings/{sitting}/counts.json")
        counts = json.loads(body)
        if counts_at is None and counts["present"] + counts["extra"] == acked:
            counts_at = time.perf_counter() - since
        _s, page = session.request("GET", f"/attendance/sittings/{sitting}?status=absent")
        absent = counts["expected"] - counts["present"] - counts["leave"]
        listed = page.decode("utf-8", "replace").count('href="/attendance/members/')
        if absent_at is None and listed == min(absent, ROLL_PAGE) and counts["present"] + counts["extra"] == acked:
            absent_at = time.perf_counter() - since
        _s, body = wall.request("GET", "/api/dashboard")  # the figures the wall screens draw
        shown = [row for row in json.loads(body)["attendance"]["sittings"] if row["id"] == sitting]
        if wall_at is None and shown and shown[0]["present"] + shown[0]["extra"] == acked:
            wall_at = time.perf_counter() - since
        time.sleep(0.2)
    return {"counts_agree_after_s": counts_at, "absent_list_agrees_after_s": absent_at, "wall_agrees_after_s": wall_at}


# ── the report ────────────────────────────────────────────────────────────────────────────────────
def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def summary(recorder: Recorder) -> dict:
    by_kind = defaultdict(list)
    for sample in recorder.samples:
        by_kind[sample.kind].append(sample)
    out = {}
    for kind, samples in sorted(by_kind.items()):
        ms = [s.ms for s in samples]
        server = [s.server_ms for s in samples if s.server_ms is not None]
        out[kind] = {"requests": len(samples), "p50": statistics.median(ms), "p95": percentile(ms, 0.95),
                     "p99": percentile(ms, 0.99), "max": max(ms),
                     "server_p50": percentile(server, 0.5), "server_p95": percentile(server, 0.95),
                     "5xx": sum(1 for s in samples if s.status >= 500),
                     "other_errors": sum(1 for s in samples if 400 <= s.status < 500 and s.status != 409)}
    check_ins = [s for s in recorder.samples if s.kind in ("qr", "desk")]
    ms = [s.ms for s in check_ins]
    server = [s.server_ms for s in check_ins if s.server_ms is not None]
    out["check-in (qr + desk POST)"] = {"requests": len(ms), "p50": statistics.median(ms),
                                         "p95": percentile(ms, 0.95), "p99": percentile(ms, 0.99), "max": max(ms),
                                         "server_p50": percentile(server, 0.5), "server_p95": percentile(server, 0.95)}
    return out


def plot(recorder: Recorder, title: str, bin_s: float = 5.0) -> str:
    """Latency over the run as an SVG (logarithmic): p50 and p95 per bin for check-ins and browsing, and the
    check-ins answered per bin as bars."""
    width, height, left, bottom = 900, 360, 60, 40
    end = max(s.at for s in recorder.samples)
    bins = int(end // bin_s) + 1
    series = {"check-in p95": ("#c0392b", ("qr", "desk"), 0.95), "check-in p50": ("#e67e22", ("qr", "desk"), 0.5),
              "browse p95": ("#2c7fb8", ("browse", "wall"), 0.95)}
    values = {}
    for name, (_colour, kinds, p) in series.items():
        per_bin = defaultdict(list)
        for s in recorder.samples:
            if s.kind in kinds:
                per_bin[int(s.at // bin_s)].append(s.ms)
        values[name] = [percentile(per_bin[b], p) if per_bin[b] else None for b in range(bins)]
    arrivals = [0] * bins
    for s in recorder.samples:
        if s.kind in ("qr", "desk"):
            arrivals[int(s.at // bin_s)] += 1
    top = max([v for vs in values.values() for v in vs if v is not None] + [1000])
    low = 5.0  # a logarithmic axis from 5 ms: the targets (200, 300, 500 ms) and a queue of seconds both show

    def x(b: float) -> float:
        return left + (width - left - 10) * (b + 0.5) / bins

    def y(ms: float) -> float:
        share = math.log(max(ms, low) / low) / math.log(top / low)
        return height - bottom - (height - bottom - 20) * min(share, 1.0)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="11"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="{left}" y="14">{title}</text>']
    most = max(arrivals) or 1
    for b, n in enumerate(arrivals):
        bar = (height - bottom - 20) * n / most * 0.5
        parts.append(f'<rect x="{x(b) - 3}" y="{height - bottom - bar}" width="6" height="{bar}" fill="#ddd"/>')
    for ms in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if ms <= top:
            parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y(ms)}" y2="{y(ms)}" stroke="#eee"/>'
                         f'<text x="{left - 6}" y="{y(ms) + 4}" text-anchor="end">{ms} ms</text>')
    for t in range(0, int(end) + 1, 30):
        parts.append(f'<text x="{x(t / bin_s)}" y="{height - bottom + 16}" text-anchor="middle">{t} s</text>')
    for i, (name, (colour, _kinds, _p)) in enumerate(series.items()):
        points = " ".join(f"{x(b):.1f},{y(v):.1f}" for b, v in enumerate(values[name]) if v is not None)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(f'<text x="{width - 170}" y="{30 + 14 * i}" fill="{colour}">{name}</text>')
    parts.append(f'<text x="{width - 170}" y="{30 + 14 * 3}" fill="#999">check-ins per {bin_s:.0f} s (bars)</text>')
    return "\n".join([*parts, "</svg>"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (a dedicated database name)")
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--peak", type=float, default=50, help="most arrivals a second")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.setup:
        print(json.dumps(setup()))
        return
    if args.verify:
        data = json.loads(Path(args.verify).read_text())
        print(json.dumps(verify(data["sitting_id"], data["acked"])))
        return

    env = instance_env(f"rush-{args.scale}", args.database_url)
    env["MEETINGPREP_SCHEDULER_EXPECTED"] = "false"
    prepare(args.scale, env, args.fresh)  # the rush's own copy: every run's setup changes it
    plan = json.loads(subprocess.run([PYTHON, "-m", "benchmarks.rush", "--setup"], env=env, cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout.strip().splitlines()[-1])
    print(f"[rush] sitting {plan['sitting_id']}: {len(plan['members'])} members; gunicorn "
          f"{args.workers} workers × {args.threads} threads")
    process, base = serve(env, args.workers, args.threads)
    try:
        recorder, after = run_rush(base, plan, args.seconds, args.peak, env)
    finally:
        process.terminate()
        process.wait(timeout=30)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    acks = RESULTS_DIR / f"rush-{stamp}.acks.json"
    acks.write_text(json.dumps({"sitting_id": plan["sitting_id"], "acked": recorder.acked}))
    checked = json.loads(subprocess.run([PYTHON, "-m", "benchmarks.rush", "--verify", str(acks)], env=env, cwd=ROOT,
                                        check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    acks.unlink()
    stats = summary(recorder)
    label = f"{'PostgreSQL' if args.database_url else 'SQLite'}, {args.scale}"
    (RESULTS_DIR / f"rush-{stamp}.svg").write_text(plot(recorder, f"Check-in rush, {label}"))
    browse = [s.ms for s in recorder.samples if s.kind in ("browse", "wall")]
    met = {"check-in p95": stats["check-in (qr + desk POST)"]["p95"],
           "check-in p99": stats["check-in (qr + desk POST)"]["p99"], "browse p95": percentile(browse, 0.95)}
    lines = [f"machine: {machine()}; {label}; gunicorn {args.workers} workers × {args.threads} threads; "
             f"{len(plan['members'])} arrivals in {args.seconds:.0f} s (peak {args.peak:.0f}/s)", "",
             "| kind | requests | p50 ms | p95 ms | p99 ms | max ms | server p50 ms | server p95 ms | 5xx |",
             "|---|---|---|---|---|---|---|---|---|"]
    for kind, row in stats.items():
        lines.append(f"| {kind} | {row['requests']} | {row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} | "
                     f"{row['max']:.0f} | {row['server_p50']:.1f} | {row['server_p95']:.1f} | {row.get('5xx', '–')} |")
    cpu = after.pop("cpu")
    lines += ["", f"CPU: the machine was {cpu['machine_busy']:.0%} busy on average; the load client itself took "
                  f"{cpu['client_share']:.0%} of the machine (the rest: gunicorn, the database, the scans).", "",
              "| second | machine busy | client | check-ins | check-in p95 ms | its server p95 ms |",
              "|---|---|---|---|---|---|"]
    for row in cpu["rows"]:
        window = [s for s in recorder.samples if s.kind in ("qr", "desk") and row["at_s"] - 15 < s.at <= row["at_s"]]
        server = [s.server_ms for s in window if s.server_ms is not None]
        lines.append(f"| {row['at_s']} | {row['busy']:.0%} | {row['client']:.0%} | {len(window)} | "
                     f"{percentile([s.ms for s in window], 0.95):.0f} | {percentile(server, 0.95):.1f} |")
    lines += ["", "Targets: " + ", ".join(f"{name} {value:.0f} ms (≤ {TARGETS[name]})" + ("" if value <= TARGETS[name]
                                                                                      else " MISSED")
                                            for name, value in met.items()),
              f"Database: {json.dumps(checked)}", f"After the last check-in: {json.dumps(after)}",
              f"Plot: rush-{stamp}.svg"]
    text = "\n".join(lines)
    (RESULTS_DIR / f"rush-{stamp}.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    main()
