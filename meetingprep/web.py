"""Request-wide helpers: template filters and globals, security headers, the user loader."""

from __future__ import annotations

from flask import Flask, abort, g, request
from flask_login import current_user
from werkzeug.http import dump_options_header, parse_options_header

from meetingprep import timeutil
from meetingprep.base_url import check_request_host
from meetingprep.bounds import BoundedRequest, IdConverter, page_number
from meetingprep.db import forget_request_method, note_request_method
from meetingprep.extensions import db, login_manager
from meetingprep.permissions import Role, can

#: Probes and assets answer without looking up the login (no database, no session cookie).
LOGIN_FREE_ENDPOINTS = frozenset({"static", "bootstrap.static", "ops.healthz", "ops.readyz"})
#: Our own and Bootstrap's static files: the only responses a browser may keep.
CACHEABLE_ENDPOINTS = frozenset({"static", "bootstrap.static"})
#: Browser features the pages never use; the camera stays available to our own pages (QR scanning).
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"


@login_manager.user_loader
def load_user(session_key: str):
    """The cookie names a server-side session (ops.sessions): revoked, expired or forged → logged out."""
    from meetingprep.ops.sessions import resume_session

    return resume_session(session_key)


@login_manager.unauthorized_handler
def login_required_answer():
    """No login: a page goes to the login form (Flask-Login's own behaviour); the JSON API — /api/…
    or a request asking for JSON — answers 401 JSON, which a script or the page's own fetch()
    can act on, instead of a redirect to an HTML form it cannot read."""
    from flask import flash, redirect
    from flask_login.utils import login_url

    from meetingprep.web_errors import render_error, wants_json

    if wants_json():
        return render_error(401, "未登录或登录已过期，请先登录。")
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def init_url_converters(app: Flask) -> None:
    """Before any blueprint is registered: rules pick their converters when they are added. The request
    class strips NUL from form values and filenames (meetingprep.bounds: input is bounded once)."""
    app.url_map.converters["int"] = IdConverter
    app.request_class = BoundedRequest


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
    """The meeting everything is about right now: read with the login (``request_state.py``), or asked;
    held for the request."""
    if "current_meeting" not in g:
        from meetingprep import request_state
        from meetingprep.meetings.queries import get_current_meeting

        state = request_state.current()
        g.current_meeting = state.current_meeting if state is not None else get_current_meeting()
    return g.current_meeting


def meeting_or_404():
    """The current meeting, for pages that have nothing to show without one."""
    from meetingprep.errors import NotFound

    meeting = current_meeting()
    if meeting is None:
        raise NotFound("还没有会议。请秘书处先创建本次会议。")
    return meeting


def render_form(template: str, form, status: int | None = None, **context):
    """A form page: 400 when the submitted form has errors (a field's or the form's own), else 200 — or the
    status of the refusal that put the error there (409 for a conflict …). Browsers show the page either
    way; scripts, proxies and tests see that nothing was saved."""
    from flask import render_template

    if status is None:
        status = 400 if form.errors or getattr(form, "form_errors", None) else 200
    return render_template(template, form=form, **context), status


def single_charset(response) -> None:
    """One ``charset`` in Content-Type: werkzeug appends one to a text mimetype even when it already names
    one ("text/csv; charset=utf-8; charset=utf-8", which some clients refuse)."""
    content_type = response.headers.get("Content-Type", "")
    if content_type.lower().count("charset=") < 2:
        return
    mimetype, options = parse_options_header(content_type)
    response.headers["Content-Type"] = dump_options_header(mimetype, options)


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
    from meetingprep.forms import hidden_fields
    from meetingprep.versioned_cache import cached_fragment

    app.jinja_env.globals.update(audit_field_label=field_label, can=can, Role=Role, cached_fragment=cached_fragment,
                                 current_meeting=current_meeting, now=timeutil.now,
                                 page_url=page_url, hidden_fields=hidden_fields)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.before_request
    def refuse_nul_and_resolve_login():
        """NUL bytes never reach a query (PostgreSQL refuses them with a 500); the login is resolved
        before the view writes anything, because refreshing a session's last-seen time commits."""
        if "\x00" in request.path or any("\x00" in key + value for key, value in request.args.items(multi=True)):
            abort(400)
        note_request_method(request.method)
        if request.endpoint not in LOGIN_FREE_ENDPOINTS:
            check_request_host()
            current_user._get_current_object()

    @app.after_request
    def security_headers(response):
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            # Pages and downloads are personal: a shared office PC's cache or a proxy keeps none of them.
            response.headers["Cache-Control"] = "no-store"
        single_charset(response)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.teardown_request
    def end_reading(_exc=None):
        forget_request_method()
        for name in ("request_state", "current_meeting", "_data_version"):  # this request's alone
            g.pop(name, None)

    @app.teardown_appcontext
    def discard_uncommitted_uploads(_exc=None):
        from meetingprep.uploads import discard_uncommitted

        discard_uncommitted(db.session())

    @app.context_processor
    def navigation():
        """The user itself, not Flask-Login's proxy: templates ask ``can(user, …)`` a few dozen times a page."""
        return {"user": current_user._get_current_object()}
