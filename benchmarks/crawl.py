"""``make bench-crawl``: every page each role can reach, measured beside the floor.

For each demo login the crawler follows the links of the pages it reaches (GET only, this server only, no
downloads) breadth-first from the home page to a fixed depth, and groups the URLs by the view that answers
them: one *page kind* per (role, endpoint). One URL of each kind is then measured with sequential requests,
between two runs of /healthz (no database work) on the same server, so a page added tomorrow is measured
tomorrow without anyone listing it. Targets at the large scale: at most ``RATIO_LIMIT`` × the floor and
``SIZE_LIMIT_KB``.

Only loopback traffic; every loop is bounded by a request count.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import statistics
import time
import urllib.parse
from collections import deque
from dataclasses import asdict, dataclass

from benchmarks.run import RESULTS_DIR, Session, instance_env, machine, prepare, serve

RATIO_LIMIT = 20
SIZE_LIMIT_KB = 300
#: Links that are not pages: files, feeds and the session's own end.
SKIP = re.compile(r"^/(static|logout|login)\b|\.(xlsx|csv|ics|docx|pdf|zip|svg|png|json)(\?|$)|/download\b")
HREF = re.compile(r'href="(/[^"#]*)"')


@dataclass
class Kind:
    role: str
    endpoint: str
    url: str
    median_ms: float = 0.0
    floor_ms: float = 0.0
    ratio: float = 0.0
    size_kb: float = 0.0
    server_ms: float | None = None
    db_ms: float | None = None
    status: int = 0


def endpoint_resolver(env: dict):
    """path → endpoint name, from the application's own URL map (None for what GET cannot open)."""
    from werkzeug.exceptions import HTTPException

    from meetingprep import create_app

    app = create_app({"INSTANCE_PATH": env["MEETINGPREP_INSTANCE_PATH"],
                      **({"DATABASE_URL": env["MEETINGPREP_DATABASE_URL"]}
                         if "MEETINGPREP_DATABASE_URL" in env else {})})
    adapter = app.url_map.bind("127.0.0.1")

    def resolve(path: str) -> str | None:
        try:
            endpoint, _args = adapter.match(urllib.parse.urlsplit(path).path, method="GET")
        except HTTPException:
            return None
        return endpoint

    return resolve


def crawl(session: Session, resolve, depth: int, budget: int) -> dict[str, str]:
    """endpoint → the first URL found for it, following links breadth-first from the home page."""
    found: dict[str, str] = {}
    seen, queue, fetched = {"/"}, deque([("/", 0)]), 0
    while queue and fetched < budget:
        path, level = queue.popleft()
        status, body = session.request("GET", path)
        fetched += 1
        endpoint = resolve(path)
        if status != 200 or endpoint is None or endpoint.rpartition(".")[2] == "static":
            continue
        found.setdefault(endpoint, path)
        if level >= depth:
            continue
        for link in HREF.findall(body.decode("utf-8", "replace")):
            link = html.unescape(link)
            if link in seen or SKIP.search(link):
                continue
            seen.add(link)
            queue.append((link, level + 1))
    return found


def timed(session: Session, path: str, count: int) -> tuple[list[float], list[tuple[float, float]], int, int]:
    latencies, server, status, size = [], [], 0, 0
    for _ in range(count):
        started = time.perf_counter()
        status, body = session.request("GET", path)
        latencies.append((time.perf_counter() - started) * 1000)
        size = len(body)
        if session.server_timing:
            server.append(session.server_timing)
    return latencies, server, status, size


def measure(session: Session, kind: Kind, requests: int) -> Kind:
    before, *_ = timed(session, "/healthz", requests)
    latencies, server, kind.status, size = timed(session, kind.url, requests)
    after, *_ = timed(session, "/healthz", requests)
    kind.floor_ms = (statistics.median(before) + statistics.median(after)) / 2
    kind.median_ms = statistics.median(latencies)
    kind.ratio = kind.median_ms / kind.floor_ms
    kind.size_kb = size / 1024
    if server:
        kind.server_ms = statistics.median(t[0] for t in server)
        kind.db_ms = statistics.median(t[1] for t in server)
    return kind


def misses(kinds: list[Kind]) -> list[str]:
    out = []
    for kind in kinds:
        if kind.status != 200:
            out.append(f"{kind.role} {kind.url}: HTTP {kind.status}")
        if kind.ratio > RATIO_LIMIT:
            out.append(f"{kind.role} {kind.url}: {kind.ratio:.1f}× floor > {RATIO_LIMIT}×")
        if kind.size_kb > SIZE_LIMIT_KB:
            out.append(f"{kind.role} {kind.url}: {kind.size_kb:.0f} KB > {SIZE_LIMIT_KB} KB")
    return out


def table(kinds: list[Kind], label: str) -> str:
    lines = [f"### {label}", "", "| role | page (endpoint) | URL | median ms | server ms (SQL) | ×floor | KB |",
             "|---|---|---|---|---|---|---|"]
    for kind in sorted(kinds, key=lambda k: -k.ratio):
        server = "–" if kind.server_ms is None else f"{kind.server_ms:.1f} ({kind.db_ms:.1f})"
        lines.append(f"| {kind.role} | {kind.endpoint} | `{kind.url}` | {kind.median_ms:.1f} | {server} | "
                     f"{kind.ratio:.1f} | {kind.size_kb:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from meetingprep.demo import DEMO_LOGINS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", help="small, large or xl")
    parser.add_argument("--database-url", default=None, help="PostgreSQL instead of SQLite (a dedicated database)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--depth", type=int, default=2, help="links followed from the home page")
    parser.add_argument("--budget", type=int, default=300, help="pages fetched while crawling, per role")
    parser.add_argument("--requests", type=int, default=15, help="sequential requests per page kind")
    parser.add_argument("--password", default="demo12345")
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached data")
    args = parser.parse_args(argv)

    env = instance_env(args.scale, args.database_url)
    prepare(args.scale, env, args.fresh)
    resolve = endpoint_resolver(env)
    process, base = serve(env, args.workers)
    kinds: list[Kind] = []
    try:
        for username, _who in DEMO_LOGINS:
            session = Session(base)
            session.login(username, args.password)
            for endpoint, url in crawl(session, resolve, args.depth, args.budget).items():
                kinds.append(measure(session, Kind(username, endpoint, url), args.requests))
                print(f"[crawl] {username} {url}: {kinds[-1].ratio:.1f}× floor, {kinds[-1].size_kb:.0f} KB")
    finally:
        process.terminate()
        process.wait(timeout=30)
    label = f"{'PostgreSQL' if args.database_url else 'SQLite'} at {args.scale}"
    missed = misses(kinds)
    text = "\n".join([
        f"machine: {machine()}; gunicorn workers={args.workers}; {args.requests} sequential requests per page "
        f"kind between two runs of /healthz; ×floor = median ÷ the mean of the two floors' medians", "",
        table(kinds, label), "",
        f"Page kinds: {len(kinds)}. Targets (≤ {RATIO_LIMIT}× floor, ≤ {SIZE_LIMIT_KB} KB): "
        + ("all met." if not missed else "MISSED —"), *[f"- {m}" for m in missed]])
    print(text)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"crawl-{stamp}.md").write_text(text + "\n")
    (RESULTS_DIR / f"crawl-{stamp}.json").write_text(
        json.dumps([asdict(kind) for kind in kinds], ensure_ascii=False, indent=1) + "\n")
    print(f"[crawl] written benchmarks/results/crawl-{stamp}.md")


if __name__ == "__main__":
    main()
