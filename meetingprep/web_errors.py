"""How the web app answers errors: Chinese pages (or JSON for the API) for domain errors, HTTP errors, a
database that is unavailable and anything unexpected — never a traceback. The errors themselves are in
``errors.py``."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, g, jsonify, render_template, request, url_for
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from meetingprep.errors import Conflict, DomainError, NotAllowed

log = logging.getLogger(__name__)


ERROR_TITLES = {
    400: "请求有误",
    401: "未登录",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    409: "操作冲突",
    413: "上传的文件太大",
    429: "操作过于频繁",
    500: "服务器内部错误",
    503: "服务暂时不可用",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


wants_json = _wants_json  # public: the login-required answer (web.py) speaks the same way


def render_error(status: int, message: str, error_id: str | None = None):
    title = ERROR_TITLES.get(status, "出错了")
    if _wants_json():
        body = {"error": title, "message": message}
        if error_id:
            body["error_id"] = error_id
        return jsonify(body), status
    return render_template("errors/error.html", status=status, title=title, message=message,
                           error_id=error_id), status


HTTP_MESSAGES = {
    400: "请求格式不正确，请返回重试。",
    403: "您没有访问此页面的权限。",
    404: "您要找的页面不存在，可能已被删除或链接有误。",
    405: "该页面不支持这种操作方式。",
    413: "上传的内容超过了允许的大小。",
    429: "操作过于频繁，请稍后再试。",
    503: "服务暂时不可用，请稍后重试。",
}

DATABASE_UNAVAILABLE = ("数据库暂时无法访问（可能正忙或正在维护），请稍等片刻后刷新页面重试。"
                        "如果刚才在提交表单，内容尚未保存，请重新提交。")
RETRY_AFTER_SECONDS = 30
UNEXPECTED = "系统出现了意外错误，我们已记录下来。请稍后重试，或把错误编号告诉管理员。"


def plain_error_page(status: int, message: str, error_id: str):
    """The error page without the site's layout (no navigation, no database, no template), for when the
    layout itself failed: the person still gets the message and the error id to quote."""
    from flask import make_response
    from markupsafe import escape

    title = ERROR_TITLES.get(status, "出错了")
    body = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{title}</title>'
            f"<h1>{title}</h1><p>{escape(message)}</p><p>错误编号：<code>{escape(error_id)}</code></p>"
            '<p><a href="/">回到首页</a></p></html>')
    return make_response(body, status, {"Content-Type": "text/html; charset=utf-8"})


def _discard_transaction() -> None:
    """Roll the request's work back; a dead connection must not turn an error page into another error."""
    from meetingprep.extensions import db

    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback failed while handling an error", exc_info=True)


def _record_denial() -> None:
    """Keep a trace of refused requests, in its own transaction: the request's own work is rolled back
    first (it was refused), then the denial is committed on its own — one entry a minute per person and
    kind of route, with a count (audit.record_denial)."""
    from flask_login import current_user

    from meetingprep import audit
    from meetingprep.db import writing
    from meetingprep.extensions import db

    _discard_transaction()
    try:
        with writing(db.session):  # a refused GET, too, writes its trace
            actor = current_user if current_user.is_authenticated else None
            route = request.url_rule.rule if request.url_rule is not None else request.path
            audit.record_denial(db.session, actor, route=route, method=request.method, path=request.path)
    except SQLAlchemyError:
        log.warning("could not record a permission denial on %s", request.path, exc_info=True)
        _discard_transaction()


#: Form fields never carried over to the login page (tokens, counters, secrets).
_NOT_A_DRAFT = ("csrf_token", "version_id", "password", "new_password", "confirm", "current_password")
DRAFT_MAX_CHARS = 100_000


def _login_expired():
    """The login ended while a form was being filled in (the CSRF token lived in the old session): say so,
    keep what was typed in this browser (the page stores it, with the form's address, and sends the person to log
    in; back on the page, app.js puts it back into that form), never a bare 「页面已过期」."""
    from urllib.parse import urlsplit

    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc == urlsplit(request.host_url).netloc
    back = (referrer.path + (f"?{referrer.query}" if referrer.query else "")) if same_site and referrer.path \
        else url_for("meetings.home")
    fields, size = {}, 0
    for name, value in request.form.items(multi=False):
        if name in _NOT_A_DRAFT or not isinstance(value, str) or not value.strip():
            continue
        size += len(value)
        if size > DRAFT_MAX_CHARS:
            break
        fields[name[:100]] = value
    # Which form the text belongs to: the URL it was sent to. A page may hold several forms with a field of the
    # same name (a task's 验收意见 and 退回原因 are both ``note``); the text goes back only into the form sent.
    query = request.query_string.decode("latin-1")
    action = request.path + (f"?{query}" if query else "")
    return render_template("errors/login_expired.html", back=back, draft_path=urlsplit(back).path,
                           draft_action=action, fields=fields,
                           login_url=url_for("auth.login", next=back, expired=1), title="登录已过期"), 401


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        """A refused request keeps nothing of its work, and the session is usable again for the page (a refusal
        raised by a flush hook, such as an archived meeting's guard, leaves its transaction needing a rollback)."""
        if isinstance(error, NotAllowed):
            _record_denial()
        else:
            _discard_transaction()
        return render_error(error.status_code, error.message)

    @app.errorhandler(StaleDataError)
    def stale_write(_error: StaleDataError):
        """A concurrent save slipped past the version check: the second writer loses, visibly."""
        from meetingprep.extensions import db

        db.session.rollback()
        return render_error(409, Conflict().message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code == 500:  # abort(500), or Flask's stand-in for an error raised while handling another
            return unexpected(getattr(error, "original_exception", None) or error)
        if code == 400 and "CSRF" in (error.description or ""):
            from flask_login import current_user

            if request.method == "POST" and not current_user.is_authenticated and not _wants_json():
                return _login_expired()
            return render_error(400, "页面已过期或来源不明，请刷新页面后重新提交。")
        if code == 403:
            _record_denial()
        return render_error(code, HTTP_MESSAGES.get(code, "请求无法完成。"))

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeoutError)
    def database_unavailable(error: Exception):
        """Locked, unreachable or overloaded database: a calm 503 without a trace. A disconnect replaces the
        pool's connections and idle ones are tested before use (db.ping_idle_connections), so the service
        recovers by itself when the database is back."""
        if isinstance(error, DBAPIError) and not isinstance(error, OperationalError) \
                and not error.connection_invalidated:
            return unexpected(error)
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    str(getattr(error, "orig", None) or type(error).__name__)[:300])
        _discard_transaction()
        from meetingprep.extensions import login_manager

        g._login_user = login_manager.anonymous_user()  # the error page must not query the database
        response, status = render_error(503, DATABASE_UNAVAILABLE)
        response = app.make_response((response, status))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        error_id = uuid.uuid4().hex[:12]
        log.error("unhandled error %s on %s %s", error_id, request.method, request.path,
                  exc_info=(type(error), error, error.__traceback__))
        _discard_transaction()
        try:
            return render_error(500, UNEXPECTED, error_id)
        except Exception:  # the page itself failed (a template, the database): keep the id
            log.exception("error page for %s failed; answered with the plain page", error_id)
            return plain_error_page(500, UNEXPECTED, error_id)
