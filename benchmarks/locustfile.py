"""Locust users for ``make load`` (benchmarks/load.py starts the server, runs this headless, then checks).

Fifty simulated people of every role: owners starting tasks, reporting progress and commenting; desk
staff checking members in; drafters uploading new versions; leaders and the secretariat reading the
ledger, boards and dashboard; members reading their own pages. The plan (BENCH_LOAD_PLAN, written by
load.py from the generated data) gives each simulated person disjoint tasks, documents and members,
so every acknowledged write has exactly one expected outcome. Every acknowledged write is logged with
its ids (BENCH_LOAD_ACKS, JSON lines) for load.py to find in the database afterwards; every status
code is counted (BENCH_LOAD_STATUSES).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import uuid
from collections import Counter
from pathlib import Path

from locust import HttpUser, between, events, task

HOSTS = [host for host in os.environ.get("BENCH_LOAD_HOSTS", "").split(",") if host]
PLAN = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text()) if "BENCH_LOAD_PLAN" in os.environ else {}
ACKS: list[dict] = []
STATUSES: Counter = Counter()
_lock = threading.Lock()
_slots: dict[str, itertools.count] = {}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PROGRESS_VERSION = re.compile(r'/progress"[^>]*>.*?name="version_id"[^>]*value="(\d+)"', re.S)


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response=None, exception=None, **_kw):
    with _lock:
        STATUSES[str(response.status_code) if response is not None and response.status_code else "error"] += 1


@events.quitting.add_listener
def _write(**_kw):
    with open(os.environ["BENCH_LOAD_ACKS"], "w") as out:
        for ack in ACKS:
            out.write(json.dumps(ack) + "\n")
    with open(os.environ["BENCH_LOAD_STATUSES"], "w") as out:
        json.dump(dict(STATUSES), out)


def _slot(role: str) -> int:
    """0, 1, 2 … per role: which of the plan's accounts this simulated person takes."""
    with _lock:
        return next(_slots.setdefault(role, itertools.count()))


def acknowledge(kind: str, **ids) -> None:
    with _lock:
        ACKS.append({"kind": kind, **ids})


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    role = ""

    def on_start(self) -> None:
        self._alternate_hosts()
        accounts = PLAN[self.role]
        self.account = accounts[_slot(self.role) % len(accounts)]
        response = self.client.get("/login", name="/login")
        token = CSRF.search(response.text).group(1)
        response = self.client.post("/login", name="/login", allow_redirects=False, data={
            "csrf_token": token, "username": self.account["username"], "password": PLAN["password"]})
        if response.status_code != 302:
            raise RuntimeError(f"login as {self.account['username']} failed: {response.status_code}")
        self.csrf = CSRF.search(self.client.get("/account/password", name="/account/password").text).group(1)

    def _alternate_hosts(self) -> None:
        """With several app servers (BENCH_LOAD_HOSTS), each request goes to the next one: one login, one
        cookie jar, every server — as behind a load balancer without sticky sessions."""
        if len(HOSTS) < 2:
            return
        hosts, send = itertools.cycle(HOSTS), self.client.request

        def alternating(method, url, *args, **kwargs):
            return send(method, next(hosts) + url if url.startswith("/") else url, *args, **kwargs)

        self.client.request = alternating

    def post(self, url: str, name: str, data: dict, **kwargs):
        return self.client.post(url, name=name, allow_redirects=False, data={"csrf_token": self.csrf, **data},
                                **kwargs)

    def read(self, urls: list[str]) -> None:
        url = random.choice(urls)
        self.client.get(url, name=url if url.startswith("/tasks/") else url.split("?")[0])


class Owner(Person):
    """Works their own tasks: start, progress, comments — one writer per task."""

    role = "owners"
    fixed_count = 25

    def on_start(self) -> None:
        super().on_start()
        self.my_tasks = list(self.account["tasks"])
        self.started = set()

    @task(4)
    def progress(self) -> None:
        task_id, status = random.choice(self.my_tasks)
        page = self.client.get(f"/tasks/{task_id}", name="/tasks/<id>")
        if status == "not_started" and task_id not in self.started:
            response = self.post(f"/tasks/{task_id}/transition/start", "/tasks/<id>/transition/start",
                                 {"note": "压测：开始办理"})
            if response.status_code == 302:
                self.started.add(task_id)
                acknowledge("start", task_id=task_id)
            return
        match = PROGRESS_VERSION.search(page.text)
        if match is None:
            return
        value = random.randint(1, 99)
        response = self.post(f"/tasks/{task_id}/progress", "/tasks/<id>/progress",
                             {"progress": str(value), "version_id": match.group(1)})
        if response.status_code == 302:
            acknowledge("progress", task_id=task_id, value=value)

    @task(2)
    def comment(self) -> None:
        task_id, _status = random.choice(self.my_tasks)
        token = uuid.uuid4().hex
        response = self.post(f"/tasks/{task_id}/comments", "/tasks/<id>/comments", {"body": f"压测留言 {token}"})
        if response.status_code == 302:
            acknowledge("comment", task_id=task_id, token=token)

    @task(3)
    def mine(self) -> None:
        self.client.get("/tasks/mine", name="/tasks/mine")


class DeskStaff(Person):
    """Checks members in at the door (JSON replies, as the desk's script asks for them)."""

    role = "desk"
    fixed_count = 5

    def on_start(self) -> None:
        super().on_start()
        self.members = iter(self.account["members"])

    @task(5)
    def check_in(self) -> None:
        member_id = next(self.members, None)
        if member_id is None:
            return
        response = self.post(self.account["url"], "/attendance/sittings/<id>/desk/check-in",
                             {"member_id": str(member_id)}, headers={"Accept": "application/json"})
        if response.status_code == 200 and response.json().get("ok"):
            acknowledge("check_in", sitting_id=self.account["sitting_id"], member_id=member_id)

    @task(1)
    def desk(self) -> None:
        self.client.get(self.account["desk"], name="/attendance/sittings/<id>/desk")


class Drafter(Person):
    """Uploads a new version (a .txt file) of each of their documents once."""

    role = "drafters"
    fixed_count = 5

    def on_start(self) -> None:
        super().on_start()
        self.documents = iter(self.account["documents"])

    @task
    def upload(self) -> None:
        document_id = next(self.documents, None)
        if document_id is None:
            self.client.get("/documents/", name="/documents/")
            return
        self.client.get(f"/documents/{document_id}", name="/documents/<id>")
        token = uuid.uuid4().hex
        body = f"压测修改稿 {token}\n一、总体情况\n二、主要工作\n".encode()
        response = self.client.post(
            f"/documents/{document_id}/versions/new", name="/documents/<id>/versions/new", allow_redirects=False,
            data={"csrf_token": self.csrf, "note": token, "text": ""},
            files={"file": (f"修改稿-{token[:6]}.txt", body, "text/plain")})
        if response.status_code == 302:
            acknowledge("version", document_id=document_id, token=token)


class Reader(Person):
    """Leaders and the secretariat: the ledger, boards, timeline, documents, the dashboard."""

    role = "readers"
    fixed_count = 8

    @task
    def browse(self) -> None:
        self.read(PLAN["reader_urls"])


class Member(Person):
    """Committee members: their own attendance and inbox."""

    role = "members"
    fixed_count = 7

    @task
    def browse(self) -> None:
        self.read(PLAN["member_urls"])
