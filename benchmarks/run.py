"""``make bench``: the production server under load, each page beside a floor endpoint.

For each scale (and database) the runner
1. prepares an instance (migrations + generated data; cached under benchmarks/.data/ for SQLite),
2. resolves the pages' URLs and counts each page's SQL queries in-process (benchmarks/probe.py),
3. starts gunicorn on 127.0.0.1 with several workers, logs in, warms up,
4. measures every page at a fixed concurrency beside /healthz (no database work) in the same run,
5. prints median / p95 / requests per second / size / ratio to the floor, and writes a markdown
   table to benchmarks/results/.

Only loopback traffic; every loop is bounded by a request count.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "benchmarks" / ".data"
RESULTS_DIR = ROOT / "benchmarks" / "results"
PYTHON = sys.executable


@dataclass
class Stats:
    name: str
    url: str
    median_ms: float
    p95_ms: float
    rps: float
    size_bytes: int
    errors: int
    queries: int | None = None
    statuses: dict = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def instance_env(scale: str, database_url: str | None) -> dict:
    env = dict(os.environ)
    kind = "postgres" if database_url else "sqlite"
    instance = DATA_DIR / f"{scale}-{kind}"
    instance.mkdir(parents=True, exist_ok=True)
    env["MEETINGPREP_INSTANCE_PATH"] = str(instance)
    env["MEETINGPREP_SECRET_KEY"] = "benchmark-secret"
    env["MEETINGPREP_SCHEDULER_ENABLED"] = "false"
    if database_url:
        env["MEETINGPREP_DATABASE_URL"] = database_url
    return env


def flask(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "-m", "flask", "--app", "meetingprep", *args], env=env, check=True, cwd=ROOT)


def prepare(scale: str, env: dict, fresh: bool) -> None:
    marker = Path(env["MEETINGPREP_INSTANCE_PATH"]) / f".generated-{scale}"
    is_postgres = "MEETINGPREP_DATABASE_URL" in env
    if marker.exists() and not fresh and not is_postgres:
        print(f"[bench] reusing {scale} data in {marker.parent}")
        return
    flask(env, "db", "upgrade")
    started = time.perf_counter()
    flask(env, "demo", "--scale", scale, "--reset")
    print(f"[bench] generated {scale} data in {time.perf_counter() - started:.1f} s")
    marker.touch()


def probe(env: dict) -> dict:
    """URLs, logins and per-page SQL query counts, computed in-process by benchmarks/probe.py."""
    out = subprocess.run([PYTHON, "-m", "benchmarks.probe"], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


class Session:
    """One logged-in browser: a cookie jar and the CSRF token of its session."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())
        self.csrf = ""

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, int]:
        body = urllib.parse.urlencode(data or {}).encode() if method == "POST" else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(req, timeout=60) as response:
                payload = response.read()
                return response.status, len(payload)
        except urllib.error.HTTPError as error:
            payload = error.read()
            return error.code, len(payload)

    def login(self, username: str, password: str) -> None:
        with self.opener.open(self.base + "/login", timeout=60) as response:
            html = response.read().decode()
        self.csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        status, _ = self.request("POST", "/login", {"csrf_token": self.csrf, "username": username,
                                                    "password": password})
        if status != 302:
            raise SystemExit(f"[bench] login as {username} failed: HTTP {status}")
        with self.opener.open(self.base + "/account/password", timeout=60) as response:
            html = response.read().decode()
        self.csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def measure(base: str, page: dict, password: str, requests: int, concurrency: int,
            sessions: dict) -> Stats:
    username = page.get("user")
    key = username or "-"
    if key not in sessions:
        pool = [Session(base) for _ in range(concurrency)]
        if username:
            for session in pool:
                session.login(username, password)
        sessions[key] = pool
    pool = sessions[key]
    method = page.get("method", "GET")

    def one(index: int) -> tuple[float, int, int]:
        session = pool[index % len(pool)]
        data = dict(page.get("data") or {})
        if method == "POST":
            data["csrf_token"] = session.csrf
        started = time.perf_counter()
        status, size = session.request(method, page["url"], data)
        return (time.perf_counter() - started) * 1000, status, size

    with ThreadPoolExecutor(concurrency) as executor:  # warm up: every worker, every session
        list(executor.map(one, range(max(concurrency * 2, 10))))
        started = time.perf_counter()
        results = list(executor.map(one, range(requests)))
        elapsed = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    statuses: dict[int, int] = {}
    for _, status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    ok = page.get("expect", [200])
    return Stats(
        name=page["name"], url=page["url"], median_ms=statistics.median(latencies),
        p95_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
        rps=requests / elapsed, size_bytes=results[-1][2],
        errors=sum(count for status, count in statuses.items() if status not in ok),
        queries=page.get("queries"), statuses=statuses,
    )


def serve(env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "--timeout", "120", "wsgi:app"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("[bench] gunicorn did not come up")


def run_scale(scale: str, database_url: str | None, args) -> list[Stats]:
    env = instance_env(scale, database_url)
    prepare(scale, env, args.fresh)
    info = probe(env)
    process, base = serve(env, args.workers)
    try:
        sessions: dict = {}
        floor = measure(base, {"name": "floor (/healthz)", "url": "/healthz"}, info["password"],
                        args.requests, args.concurrency, sessions)
        results = [floor]
        for page in info["pages"]:
            results.append(measure(base, page, info["password"], args.requests, args.concurrency, sessions))
            print(f"[bench] {scale} {results[-1].name}: median {results[-1].median_ms:.1f} ms")
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def table(scale_results: dict[str, list[Stats]], label: str) -> str:
    scales = list(scale_results)
    lines = [f"### {label}", "",
             "| page | " + " | ".join(f"{s} median ms | {s} p95 ms | {s} req/s | {s} ×floor | {s} KB | {s} SQL"
                                    for s in scales) + (" | large÷small |" if len(scales) > 1 else " |"),
             "|---|" + "---|" * (6 * len(scales)) + ("---|" if len(scales) > 1 else "")]
    by_name = {s: {r.name: r for r in scale_results[s]} for s in scales}
    floors = {s: scale_results[s][0].median_ms for s in scales}
    for name in by_name[scales[0]]:
        cells = []
        for s in scales:
            r = by_name[s].get(name)
            if r is None:
                cells.append("– | – | – | – | – | –")
                continue
            errors = f" ⚠{r.errors} err" if r.errors else ""
            cells.append(f"{r.median_ms:.1f} | {r.p95_ms:.1f} | {r.rps:.0f} | {r.median_ms / floors[s]:.1f}{errors}"
                         f" | {r.size_bytes / 1024:.0f} | {r.queries if r.queries is not None else '–'}")
        ratio = ""
        if len(scales) > 1 and name in by_name[scales[-1]]:
            ratio = f" {by_name[scales[-1]][name].median_ms / by_name[scales[0]][name].median_ms:.2f} |"
        lines.append(f"| {name} | " + " | ".join(cells) + (" |" + ratio if ratio else " |"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="small,large", help="comma-separated: small, large, xl")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also run against this PostgreSQL URL (postgresql+psycopg://…)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--fresh", action="store_true", help="regenerate cached SQLite data")
    args = parser.parse_args(argv)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    report = [f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, workers={args.workers}, "
              f"concurrency={args.concurrency}, requests/page={args.requests}", ""]
    targets = [("SQLite", None)] + ([("PostgreSQL", args.database_url)] if args.database_url else [])
    for label, url in targets:
        scale_results = {scale: run_scale(scale, url, args) for scale in args.scales.split(",")}
        report += [table(scale_results, label), ""]
    text = "\n".join(report)
    print(text)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"bench-{stamp}.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
