"""``Server-Timing`` on every response: the server's own time and the share spent in SQL.

A load client measures its own limits as much as the server's; this header lets a benchmark (and a
browser's developer tools) read what the server spent, request by request. It wraps the WSGI app, so
the total covers the whole request as Flask handles it (session, login, view, template), up to the
moment the response starts. SQL time is the time spent executing statements; SQLite computes a result's
rows as they are fetched, so there part of the database's work counts in the total only.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class RequestTiming:
    started: float
    sql_seconds: float = 0.0
    statements: int = 0


_current: ContextVar[RequestTiming | None] = ContextVar("server_timing", default=None)
_CURSOR_STARTED = "server_timing_started"
_listening = False


def _listen_to_engines() -> None:
    """Once per process: every engine's statements count towards the request that runs them."""
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        if _current.get() is not None:
            conn.info[_CURSOR_STARTED] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        timing = _current.get()
        started = conn.info.pop(_CURSOR_STARTED, None)
        if timing is not None and started is not None:
            timing.sql_seconds += time.perf_counter() - started
            timing.statements += 1


def header_value(timing: RequestTiming, now: float) -> str:
    total_ms = (now - timing.started) * 1000
    return (f"total;dur={total_ms:.1f}, "
            f'db;dur={timing.sql_seconds * 1000:.1f};desc="SQL ({timing.statements})"')


class ServerTimingMiddleware:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        timing = RequestTiming(started=time.perf_counter())
        token = _current.set(timing)

        def start_with_timing(status, headers, exc_info=None):
            headers = [*headers, ("Server-Timing", header_value(timing, time.perf_counter()))]
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start_with_timing)
        finally:
            _current.reset(token)


def init_app(app: Flask) -> None:
    if not app.config.get("SERVER_TIMING", True):
        return
    _listen_to_engines()
    app.wsgi_app = ServerTimingMiddleware(app.wsgi_app)
