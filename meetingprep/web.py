"""Request-wide helpers: template filters and globals, security headers, the user loader."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from meetingprep import timeutil
from meetingprep.extensions import db, login_manager
from meetingprep.permissions import Role, can


@login_manager.user_loader
def load_user(session_id: str):
    """The session holds "id:generation"; an old generation or a deactivated user logs out."""
    from meetingprep.auth.models import User

    try:
        user_id, generation = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_generation != generation or not user.is_active:
        return None
    return user


class IdConverter(IntegerConverter):
    """``<int:…>`` for ids: beyond a 32-bit integer no row can exist, so 404 rather than a database overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def init_url_converters(app: Flask) -> None:
    """Before any blueprint is registered: rules pick their converters when they are added."""
    app.url_map.converters["int"] = IdConverter


def page_number() -> int:
    """?page=N from the query string; anything malformed is page 1, never an error."""
    from flask import request

    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def paginate(stmt):
    """One page of a select(): a COUNT and a page query, whatever the number of rows."""
    from flask import current_app

    return db.paginate(stmt, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False)


def page_url(page: int) -> str:
    """This page's URL with its filters kept and another page number."""
    from flask import request, url_for

    args = {**(request.view_args or {}), **request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **args)


def current_meeting():
    """The meeting everything is about right now; cached for the request."""
    if "current_meeting" not in g:
        from meetingprep.meetings.queries import get_current_meeting

        g.current_meeting = get_current_meeting()
    return g.current_meeting


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        cn_date=timeutil.format_date,
        cn_datetime=timeutil.format_datetime,
        cn_time=timeutil.format_time,
        cn_short=timeutil.format_short,
        cn_delta=timeutil.humanize_delta,
        input_datetime=timeutil.input_value,
    )
    from meetingprep.audit import field_label

    app.jinja_env.globals.update(audit_field_label=field_label, can=can, Role=Role,
                                 current_meeting=current_meeting, now=timeutil.now,
                                 page_url=page_url)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        return response

    @app.teardown_appcontext
    def discard_uncommitted_uploads(_exc=None):
        from meetingprep.uploads import discard_uncommitted

        discard_uncommitted(db.session())

    @app.context_processor
    def navigation():
        return {"user": current_user}
