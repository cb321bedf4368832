"""Figures nearly every page needs, asked in the login's own query instead of one query each.

Each signed-in request already asks the database for its session and user (``ops/sessions.py``). The
figures registered here ride along in that one statement: as scalar subqueries the navigation's unread
badge and ``kept.py``'s data version, and as a row joined to it the current meeting (``web.current_meeting``).
That is three statements fewer on most pages; on PostgreSQL, three round trips fewer. A figure may use
the bind parameter ``user_id`` (the signed-in user).

``known(name)`` answers for this request, or ``NOT_FETCHED`` when the request fetched no figures (no login,
a login-free endpoint, a test outside a request): the caller then asks the database itself.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import g, has_app_context
from sqlalchemy import ColumnElement, Row, ScalarSelect, Select

NOT_FETCHED = object()
_SCALARS: dict[str, Callable[[], ScalarSelect]] = {}
_ROWS: dict[str, Callable[[], tuple[type, ColumnElement[bool]]]] = {}
_built = False


def _check(name: str) -> None:
    if _built and name not in _SCALARS and name not in _ROWS:
        raise RuntimeError(f"figure {name!r} registered after the login statement was built")


def register(name: str, build: Callable[[], ScalarSelect]) -> None:
    """At import time: ``build()`` returns the figure's scalar subquery (called once, when first needed)."""
    _check(name)
    _SCALARS[name] = build


def register_row(name: str, build: Callable[[], tuple[type, ColumnElement[bool]]]) -> None:
    """At import time: ``build()`` returns (entity, join condition) of a row to outer-join to the login."""
    _check(name)
    _ROWS[name] = build


def extend(statement: Select) -> Select:
    """The login statement with every figure: the scalar subqueries, then the rows (built once, by the caller)."""
    global _built
    _built = True
    statement = statement.add_columns(*(build().label(name) for name, build in _SCALARS.items()))
    for build in _ROWS.values():
        entity, onclause = build()
        statement = statement.add_columns(entity).outerjoin(entity, onclause)
    return statement


def remember(row: Row, user_id: int) -> None:
    """Keep this request's figures from the login row (the scalars by label, then the rows at the end)."""
    figures = {name: row._mapping[name] for name in _SCALARS}
    first_row = len(row) - len(_ROWS)
    figures.update({name: row[first_row + index] for index, name in enumerate(_ROWS)})
    g._request_figures = (user_id, figures)


def known(name: str, *, user_id: int | None = None):
    """The figure fetched with this request's login (None is a value: no such row); with ``user_id``, only
    if that user signed in; else ``NOT_FETCHED``."""
    if not has_app_context() or "_request_figures" not in g:
        return NOT_FETCHED
    signed_in, figures = g._request_figures
    if user_id is not None and user_id != signed_in:
        return NOT_FETCHED
    return figures.get(name, NOT_FETCHED)
