"""What every response says about itself: no caching of personal pages, no server banner, one charset,
and an error id on every 500 page."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import abort
from werkzeug.serving import make_server

from meetingprep import PROJECT_ROOT, create_app, uploads, web_errors
from meetingprep.extensions import db
from meetingprep.servers import QuietRequestHandler
from tests import factories


def test_logged_in_pages_and_exports_are_not_stored(app, client, login_as):
    login_as("secretariat")
    factories.make_meeting()
    db.session.commit()
    for path in ("/", "/tasks/", "/tasks/export.csv", "/tasks/export.xlsx", "/attendance/roster/export.xlsx"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(app, client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")


def test_text_downloads_name_exactly_one_charset(app, client, login_as):
    stored = uploads.store_bytes(db.session, "纪要\n".encode(), "纪要.txt", "txt")

    @app.get("/test/download")
    def download():
        return uploads.send_stored(stored.stored_name, "纪要.txt", "txt")

    login_as("secretariat")
    factories.make_meeting()
    db.session.commit()
    csv = client.get("/tasks/export.csv")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    response = client.get("/test/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"


def test_500_pages_keep_their_error_id(app, client, monkeypatch, caplog):
    @app.get("/test/abort")
    def aborted():
        abort(500)

    @app.get("/test/broken-layout")
    def broken():
        raise RuntimeError("the view failed")

    body = client.get("/test/abort").get_data(as_text=True)
    assert re.search(r"错误编号：<code>[0-9a-f]{12}</code>", body)

    real = web_errors.render_template

    def layout_fails(*args, **kwargs):
        raise RuntimeError("and so did the error page's layout")

    monkeypatch.setattr(web_errors, "render_template", layout_fails)
    response = client.get("/test/broken-layout")
    assert response.status_code == 500
    error_id = re.search(r"错误编号：<code>([0-9a-f]{12})</code>", response.get_data(as_text=True)).group(1)
    assert any(error_id in record.getMessage() for record in caplog.records)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    monkeypatch.setattr(web_errors, "render_template", real)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str = "/healthz") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_development_server_sends_no_banner(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = _get(server.server_port)
        assert response.status == 200 and response.getheader("Date")
        assert response.getheader("Server") is None
    finally:
        server.shutdown()


def test_gunicorn_sends_no_banner(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed (the server extra)")
    port = _free_port()
    env = {**os.environ, "MEETINGPREP_INSTANCE_PATH": str(tmp_path), "MEETINGPREP_SECRET_KEY": "x",
           "MEETINGPREP_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    process = subprocess.Popen([str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = _get(port)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        assert response.status == 200 and response.getheader("Date")
        assert response.getheader("Server") is None
    finally:
        process.terminate()
        process.wait(timeout=30)
