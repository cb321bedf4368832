"""Stored sections drawn once per worker process, then served to every viewer of the same snapshot.

A snapshot keeps figures, never markup (``snapshots.py``): each process draws them with the templates it runs.
The same figures draw the same HTML, though, and drawing the sections cost more than anything else on a
dashboard view. So a section whose figures come unchanged from a decoded snapshot (``Section.served_as_stored``)
has its card drawn once per (snapshot as decoded here, section, page or wall, the section's template as loaded) and
kept in this process's memory: a deploy or a restart starts empty, so a template change is never served markup
drawn by older code, and a new
snapshot decodes to a new identity, so nobody is served older figures' drawing. The section partials read only
their figures and ``wall`` — nothing of the viewer or the moment; a partial that ever needs either must not be
drawn here (make its section live or give it ``at_moment``). Live and per-moment sections are drawn on every view.
With templates reloading (development) nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from markupsafe import Markup

from meetingprep.dashboard.core import Section

#: Drawn cards kept per process: a few snapshots (meeting-wide, group leads' scopes) × sections × page/wall.
KEPT = 256


def drawn_section(identity: int | None, section: Section, wall: bool, caller: Callable[[], str]) -> Markup:
    """The section's card as ``caller()`` draws it, reused while the same decoded snapshot is served
    (template global)::

        {% call drawn_section(identity, section, wall) %}…card…{% endcall %}
    """
    if identity is None or not section.served_as_stored or current_app.jinja_env.auto_reload:
        return Markup(caller())
    store: dict = current_app.extensions.setdefault("dashboard_drawn", {})
    key = (identity, section.key, wall, current_app.jinja_env.get_template(section.template))
    html = store.get(key)
    if html is None:
        html = Markup(caller())
        if len(store) >= KEPT:
            store.clear()
        store[key] = html
    return html
