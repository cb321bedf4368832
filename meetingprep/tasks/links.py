"""Where a task lives on the web: the one place that turns a task id (or 我的任务) into a link.

Three forms, all from the ``tasks.detail`` route, so a change of route changes them all:

- ``task_path(id)``: the path inside the application ("/tasks/17"). It needs no request, which is why
  stored links (notifications, the inbox, dashboard figures) use it.
- ``task_url(id)``: the link a page draws. In a request it carries the application's mount point
  (``SCRIPT_NAME``), as ``url_for`` would; outside one it is the path.
- ``task_url(id, external=True)``: the absolute address from ``BASE_URL``, for what leaves the server
  (mail, chat robots, the iCal feed) — the same in a request and in the scheduler.

``my_tasks_path()`` is 我的任务's path for stored links, built from its route the same way.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, url_for

from meetingprep.bounds import MAX_ID


def _route_parts(app: Flask) -> tuple[str, str]:
    """The route's path around the id, built from the URL map once per application: a page draws up to
    150 task links, and ``url_for`` for each was a visible part of the lists' cost."""
    parts = app.extensions.get("task_route_parts")
    if parts is None:
        path = app.url_map.bind("localhost").build("tasks.detail", {"task_id": MAX_ID})
        head, tail = path.split(str(MAX_ID), 1)
        parts = app.extensions["task_route_parts"] = (head, tail)
    return parts


def task_path(task_id: int, anchor: str = "") -> str:
    head, tail = _route_parts(current_app)
    return f"{head}{task_id}{tail}{'#' + anchor if anchor else ''}"


def my_tasks_path() -> str:
    """我的任务 inside the application ("/tasks/mine"): a stored link, like ``task_path``."""
    return current_app.url_map.bind("localhost").build("tasks.mine")


def task_url(task_id: int, anchor: str = "", *, external: bool = False) -> str:
    path = task_path(task_id, anchor)
    if external:
        return current_app.config["BASE_URL"].rstrip("/") + path
    if has_request_context():
        return request.script_root + path
    return path


def ledger_url(filt, **changes) -> str:
    """The ledger with its filter (a ``tasks.queries.LedgerFilter``) changed as given: sort headers, status
    counts, pages."""
    return url_for("tasks.ledger", **filt.args(**changes))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(task_url=task_url, ledger_url=ledger_url)
