"""Instructions per request of bench pages, counted by valgrind's callgrind: how changes were judged when the
machine's speed drifted by ±30% within minutes (milliseconds could not tell a 5% change from noise; this
count repeats to ±1%).

    python -m benchmarks.instructions task ledger board_like_small          # the large SQLite data
    python -m benchmarks.instructions --instance benchmarks/.data/small-sqlite task --requests 20

Page keys are benchmarks/probe.py's (plus ``healthz``); the data must exist (``make bench`` generates it).
Needs valgrind (``apt-get install valgrind``). Each page is requested a few times to warm up, then counted
over ``--requests`` requests with instrumentation switched on only around them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 5


def count(instance: Path, key: str, requests: int) -> float:
    """Millions of instructions per request of one page (a child process under callgrind)."""
    env = {**os.environ, "MEETINGPREP_INSTANCE_PATH": str(instance), "MEETINGPREP_SECRET_KEY": "benchmark-secret"}
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
         sys.executable, "-m", "benchmarks.instructions", "--child", key, "--requests", str(requests)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    collected = re.search(r"Collected : (\d+)", out.stderr)
    if collected is None:
        raise SystemExit(f"[instructions] callgrind gave no count for {key}:\n{out.stderr[-2000:]}")
    return int(collected.group(1)) / requests / 1e6


def child(key: str, requests: int) -> None:
    """Inside valgrind: log in as the page's user, warm up, then count ``requests`` requests."""
    from benchmarks import probe
    from meetingprep import create_app

    app = create_app({"WTF_CSRF_ENABLED": False})
    page = {"url": "/healthz", "user": None} if key == "healthz" else {p["key"]: p for p in probe.pages(app)}[key]
    client = app.test_client()
    if page["user"]:
        client.post("/login", data={"username": page["user"], "password": app.config["DEMO_PASSWORD"]})
    for _ in range(WARM_UP):
        client.get(page["url"])
    toggle = ["callgrind_control", "-i"]
    subprocess.run([*toggle, "on", str(os.getpid())], capture_output=True, check=True)
    for _ in range(requests):
        client.get(page["url"])
    subprocess.run([*toggle, "off", str(os.getpid())], capture_output=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("keys", nargs="+", help="page keys of benchmarks/probe.py, or healthz")
    parser.add_argument("--instance", default=str(ROOT / "benchmarks" / ".data" / "large-sqlite"))
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.keys[0], args.requests)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("[instructions] needs valgrind: apt-get install valgrind")
    for key in args.keys:
        print(f"{key}: {count(Path(args.instance), key, args.requests):.2f} M instructions per request", flush=True)


if __name__ == "__main__":
    main()
