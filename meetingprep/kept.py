"""Derived data kept per process until anything changes: counts and pick lists that every view shows.

Every change writes an audit entry in its own transaction (``audit.py``), so the newest audit id is a
version number of the whole database: a value computed at version N is still right while the newest id
is N. A page reads that id once (``data_version``: an indexed MAX, brought by the login's query on a
reading request, ``request_figures.py``) and takes the counts and
pick lists computed at that version from memory, instead of counting 20,000 tasks or listing every
group member per view — the ledger's status counts alone were a fifth of its cost at national scale.

Entries also age out after ``KEPT_MAX_AGE_SECONDS``: figures that depend on the clock (what is overdue)
are at most that old, and so is anything a write path might change without an audit entry. Each worker
keeps its own copies (at most ``MAX_ENTRIES``); the dashboard's figures, which are costlier and shared by
every viewer, are stored in the database instead (``dashboard/snapshots.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, g, request
from markupsafe import Markup
from sqlalchemy import func, select

from meetingprep import request_figures
from meetingprep.audit import AuditEntry
from meetingprep.db import in_reading_request
from meetingprep.extensions import db
from meetingprep.timeutil import now as clock

T = TypeVar("T")
MAX_ENTRIES = 4096


def _newest_audit_id():
    return select(func.coalesce(func.max(AuditEntry.id), 0)).scalar_subquery()


request_figures.register("data_version", _newest_audit_id)


def data_version() -> int:
    """The newest audit id, read once per request (``g``). A reading request has it from its login; a
    writing one asks when first needed, so that it sees the request's own changes."""
    if "_data_version" not in g:
        version = request_figures.known("data_version") if in_reading_request() else request_figures.NOT_FETCHED
        if version is request_figures.NOT_FETCHED:
            version = db.session.scalar(select(_newest_audit_id()))
        g._data_version = version
    return g._data_version


def kept(name: str, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``'s value for ``(name, key)`` as of this request's data version, built at most once per
    version, worker and ``KEPT_MAX_AGE_SECONDS`` (by the app's clock: set back, it rebuilds).

    Values are shared between requests and users: never mutate one, and key anything user-specific."""
    max_age = current_app.config["KEPT_MAX_AGE_SECONDS"]
    store: dict = current_app.extensions.setdefault("kept", {})
    version, now = data_version(), clock()
    entry = store.get((name, key))
    if entry is not None and entry[0] == version and 0 <= (now - entry[1]).total_seconds() < max_age:
        return entry[2]
    value = build()
    if len(store) >= MAX_ENTRIES:
        for old in list(store)[: MAX_ENTRIES // 2]:
            store.pop(old, None)
    store[(name, key)] = (version, now, value)
    return value


def kept_html(name: str, *key: Hashable, caller: Callable[[], str]) -> Markup:
    """A template fragment kept like any value (template global)::

        {% call kept_html("board.tabs", group.meeting_id, group.id) %}…{% endcall %}

    draws the block once per key and data version. The key must name everything the block shows that the
    data doesn't: the active group, the page … (the script root is added). Used for navigation that lists
    every group of the meeting — 60 at national scale — on each view of a board or the timeline."""
    return kept(f"html.{name}", (*key, request.script_root), lambda: Markup(caller()))
