"""Fixtures for the notification tests: a real SMTP server and a robot webhook on loopback, a clock
placed at a known local moment, and a small task builder (tasks' own factories live with tasks)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from meetingprep.extensions import db
from meetingprep.tasks.models import Task, TaskCoworker
from meetingprep.tasks.states import TaskStatus
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    """An aware moment given as Asia/Shanghai wall-clock time."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SMTPServer:
    """aiosmtpd on a fixed loopback port that can be stopped and started again (server down / back)."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # the DATA as it came over the wire
    controller: Controller | None = None

    async def handle_DATA(self, _server, _session, envelope):  # aiosmtpd handler hook
        self.raw.append(envelope.original_content)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SMTPServer(port=_free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_config(smtp_server) -> dict:
    return {"MAIL_HOST": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_FROM": "mishu@zx.example.cn",
            "BASE_URL": "https://chouBei.example.cn"}


@dataclass
class RobotServer:
    """A tiny WeCom/DingTalk-like robot on loopback: records JSON posts (and the query string each came
    with); ``fail_with`` makes it answer an HTTP error, ``errcode`` a refusal, ``fail_posts`` fail the
    posts with those numbers (1 = the first), ``redirect_to`` answer 302 to that address."""

    url: str = ""
    received: list[dict] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    fail_with: int | None = None
    errcode: int = 0
    fail_posts: set[int] = field(default_factory=set)
    redirect_to: str | None = None
    posts: int = 0


@pytest.fixture
def robot_server():
    robot = RobotServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            from urllib.parse import parse_qs, urlsplit

            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            robot.posts += 1
            if robot.redirect_to:
                self.send_response(302)
                self.send_header("Location", robot.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if robot.fail_with or robot.posts in robot.fail_posts:
                self.send_response(robot.fail_with or 502)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = json.loads(raw.decode("utf-8"))
            robot.received.append(payload)
            robot.bodies.append(raw)
            robot.queries.append({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})
            body = json.dumps({"errcode": robot.errcode, "errmsg": "ok" if not robot.errcode else "bad"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    robot.url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test"
    yield robot
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock(time_machine):
    """``clock(2027, 1, 5, 17, 0)`` moves time to that Shanghai wall-clock moment (time stands still)."""

    def _move(*args) -> dt.datetime:
        moment = local(*args)
        time_machine.move_to(moment, tick=False)
        return moment

    return _move


@dataclass
class Cast:
    """The ids of a reminder story: a group with a lead, an owner, a co-worker, the secretariat, a
    leader (ids, so tests can drop sessions between scans as the scheduler does)."""

    meeting: int
    group: int
    lead: int
    owner: int
    coworker: int
    secretary: int
    leader: int


def build_task(cast: Cast, due_at: dt.datetime, *, owner: int | None = None, title: str | None = None,
               coworkers=(), status: TaskStatus = TaskStatus.IN_PROGRESS) -> int:
    task = Task(meeting_id=cast.meeting, group_id=cast.group, owner_id=owner or cast.owner,
                title=title or "准备会议材料", due_at=due_at.astimezone(dt.UTC), status=status)
    db.session.add(task)
    db.session.flush()
    for user_id in coworkers:
        db.session.add(TaskCoworker(task_id=task.id, user_id=user_id))
    db.session.flush()
    return task.id


@pytest.fixture
def cast(app) -> Cast:
    meeting = factories.make_meeting(opens_in_days=30)
    group = factories.make_group(meeting, name="秘书组")
    people = dict(
        meeting=meeting, group=group,
        lead=factories.make_user("group_lead", display_name="王组长", group=group, is_lead=True,
                                 email="lead@zx.example.cn"),
        owner=factories.make_user("staff", display_name="张明", group=group, email="zhangming@zx.example.cn"),
        coworker=factories.make_user("staff", display_name="李华", group=group, email="lihua@zx.example.cn"),
        secretary=factories.make_user("secretariat", display_name="秘书处刘", email="liu@zx.example.cn"),
        leader=factories.make_user("leader", display_name="陈主席", email="chen@zx.example.cn"),
    )
    db.session.commit()
    return Cast(**{name: obj.id for name, obj in people.items()})


@pytest.fixture(autouse=True)
def _empty_job_store(app):
    """The APScheduler table is not in our metadata, so the per-test TRUNCATE misses it: empty it here."""
    yield
    from sqlalchemy import inspect, text

    from meetingprep.scheduler import JOBSTORE_TABLE

    db.session.remove()
    if inspect(db.engine).has_table(JOBSTORE_TABLE):
        with db.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {JOBSTORE_TABLE}"))
