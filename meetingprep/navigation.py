"""The navigation bar's entries, drawn once per kind of page and held per process.

Every page shows the same few dozen links, chosen by permission rules and marked by the current page;
drawing them through Jinja on every request is a large share of a small page's time. What they depend on
is small and known — which of ``NAV_ACTIONS`` the user may do, the page's endpoint, the unread count
shown in the badge, the URL root — so the drawn entries are held under exactly that key. Nothing in them
comes from the data except through the key, so they need no data version (``versioned_cache.py``): the
permission answers and the badge are computed for each request. ``_nav_items.html`` sees only these values (it is
rendered without the request's context), so nothing else can slip into a held copy.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import current_user
from markupsafe import Markup

from meetingprep.permissions import can

#: The permission rules the entries ask about; the template may ask about no other (``allows`` refuses).
NAV_ACTIONS = (
    "task.view", "plan.calendar", "plan.ical", "plan.timeline", "plan.import", "plan.templates",
    "document.board", "document.configure", "speech.submit", "attendance.view", "attendance.own", "agenda.view",
    "material.board", "material.mine",
    "agenda.schedule",
    "dashboard.view", "instruction.list", "notifications.inbox", "meeting.view", "group.view", "user.manage",
    "audit.search",
    "notifications.admin", "notifications.webhooks", "notice.list", "notice.manage",
    "opinion.view", "records.aggregate", "records.own",
)
#: The 系统管理 menu shows when one of these is allowed …
ADMIN_MENU = frozenset({"user.manage", "audit.search", "notifications.admin"})
#: … and these entries sit only inside it: asked only then (the webhook rule looks up group leads).
ADMIN_MENU_ONLY = frozenset({"notifications.webhooks"})
#: Kept copies per process; beyond this (roles × pages × badge counts) the oldest half is dropped.
MAX_KEPT = 2048


class Allowed:
    """``allows(action)`` for the template: a rule missing from NAV_ACTIONS is an error, not a silent no."""

    def __init__(self, actions: frozenset[str]):
        self.actions = actions

    def __call__(self, action: str) -> bool:
        if action not in NAV_ACTIONS:
            raise KeyError(f"{action!r} is not in navigation.NAV_ACTIONS")
        return action in self.actions


def nav_items() -> Markup:
    """The entries for the signed-in user on this page (template global)."""
    from meetingprep import request_state
    from meetingprep.notifications.queries import unread_count

    user = current_user._get_current_object()
    allowed = {action for action in NAV_ACTIONS if action not in ADMIN_MENU_ONLY and can(user, action)}
    if allowed & ADMIN_MENU:
        allowed |= {action for action in ADMIN_MENU_ONLY if can(user, action)}
    allowed = frozenset(allowed)
    unread = 0
    if "notifications.inbox" in allowed:
        state = request_state.current()
        unread = state.unread_notifications if state is not None and state.user is user else unread_count(user.id)
        unread = min(unread, 100)
    g.nav_unread = unread  # the bar's bell beside the menu button (below xl the entries fold away) shows it too
    key = (allowed, request.endpoint or "", request.blueprint or "", unread, request.script_root)
    kept: dict = current_app.extensions.setdefault("navigation", {})
    html = kept.get(key)
    if html is None:
        if len(kept) >= MAX_KEPT:
            for old in list(kept)[: MAX_KEPT // 2]:
                kept.pop(old, None)
        template = current_app.jinja_env.get_template("_nav_items.html")
        html = kept[key] = Markup(template.render(allows=Allowed(allowed), ep=key[1], bp=key[2], unread=unread))
    return html


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
