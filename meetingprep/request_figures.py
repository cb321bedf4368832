"""Figures nearly every page needs, asked in the login's own query instead of one query each.

Each signed-in request already asks the database for its session and user (``ops/sessions.py``). The
figures registered here ride along as scalar subqueries of that one statement: the navigation's unread
badge and ``kept.py``'s data version. That is two statements fewer on every page; on PostgreSQL, two
round trips fewer. A figure's subquery may use the bind parameter ``user_id`` (the signed-in user).

``known(name)`` answers for this request, or None when the request fetched no figures (no login, a
login-free endpoint, a test outside a request): the caller then asks the database itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import g, has_app_context
from sqlalchemy import ScalarSelect
from sqlalchemy.sql.elements import Label

_BUILDERS: dict[str, Callable[[], ScalarSelect]] = {}
_columns: list[Label] | None = None


def register(name: str, build: Callable[[], ScalarSelect]) -> None:
    """At import time: ``build()`` returns the figure's scalar subquery (called once, when first needed)."""
    if _columns is not None and name not in _BUILDERS:
        raise RuntimeError(f"figure {name!r} registered after the login statement was built")
    _BUILDERS[name] = build


def columns() -> list[Label]:
    """The labelled subqueries to add to the login statement (built once)."""
    global _columns
    if _columns is None:
        _columns = [build().label(name) for name, build in _BUILDERS.items()]
    return _columns


def remember(row: Mapping, user_id: int) -> None:
    """Keep this request's figures from the login row (its mapping by column label)."""
    g._request_figures = (user_id, {name: row[name] for name in _BUILDERS})


def known(name: str, *, user_id: int | None = None):
    """The figure fetched with this request's login; with ``user_id``, only if that user signed in."""
    if not has_app_context() or "_request_figures" not in g:
        return None
    signed_in, figures = g._request_figures
    if user_id is not None and user_id != signed_in:
        return None
    return figures.get(name)
