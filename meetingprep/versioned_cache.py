"""Values derived from the data, held per worker process until the data changes: counts and pick lists
that many views show, and template fragments that list every group of a meeting.

Each value is stored with the data version it was computed at (``meetingprep/data_version.py``: one
number that every writing transaction raises before it commits). A request reads the version once and
is served a value computed at that same version, or computes it anew. Every worker and host follows the
same shared number, so a change made through any of them reaches the caches of all.

Entries also age out after ``CACHE_MAX_AGE_SECONDS``: values that depend on the clock (what is overdue)
are at most that old. Each worker holds at most ``MAX_ENTRIES``. The dashboard's figures, costlier and
shared by every viewer, are stored in the database instead (``dashboard/snapshots.py``), checked
against the same version.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, g, request
from markupsafe import Markup

from meetingprep import data_version as versions
from meetingprep import request_state
from meetingprep.extensions import db
from meetingprep.timeutil import now as clock

T = TypeVar("T")
MAX_ENTRIES = 4096


def data_version() -> int:
    """The data version, read once per request (``g``): with the login (``request_state.py``), else asked.

    A version read before this request's own writes is fine: values are never served or stored while the
    request's transaction holds uncommitted writes (``cached_value``), and after its commit a value computed from
    newer data is only newer than its label."""
    if "_data_version" not in g:
        state = request_state.current()
        g._data_version = state.data_version if state is not None else versions.read(db.session)
    return g._data_version


def cached_value(name: str, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``'s value for ``(name, key)`` as of this request's data version, built at most once per
    version, worker and ``CACHE_MAX_AGE_SECONDS`` (by the app's clock: set back, it rebuilds).

    Built afresh and not stored while this transaction has uncommitted writes: they may be rolled back.
    Values are shared between requests and users: never mutate one, and key anything user-specific."""
    if versions.wrote_uncommitted(db.session):
        return build()
    max_age = current_app.config["CACHE_MAX_AGE_SECONDS"]
    store: dict = current_app.extensions.setdefault("versioned_cache", {})
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


def cached_fragment(name: str, *key: Hashable, caller: Callable[[], str]) -> Markup:
    """A template fragment held like any value (template global)::

        {% call cached_fragment("board.tabs", group.meeting_id, group.id) %}…{% endcall %}

    draws the block once per key and data version. The key must name everything the block shows that the
    data doesn't: the active group, the page … (the script root is added). Used for navigation that lists
    every group of the meeting on each view of a board or the timeline."""
    return cached_value(f"html.{name}", (*key, request.script_root), lambda: Markup(caller()))
