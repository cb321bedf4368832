"""Probes for the load balancer and the process supervisor: public, no login, no session cookie.

/healthz says the process answers (no database); /readyz says it can serve: the database answers, its
schema is at the migration head of this code (an empty or unmigrated database fails every page), and the
scheduler's heartbeat is recent.
"""

from __future__ import annotations

import logging
from functools import cache

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from meetingprep.extensions import db
from meetingprep.ops.heartbeat import last_beat
from meetingprep.timeutil import now

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def _check_database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("readyz: database check failed: %s", type(error).__name__)
        db.session.rollback()
        return {"ok": False, "error": "数据库无法访问"}
    return {"ok": True}


@cache
def migration_heads() -> frozenset[str]:
    """The head revision(s) of this code's migrations: read once per process (the code does not change)."""
    from alembic.script import ScriptDirectory

    from meetingprep import PACKAGE_ROOT

    return frozenset(ScriptDirectory(str(PACKAGE_ROOT / "migrations")).get_heads())


def _check_schema() -> dict:
    from alembic.migration import MigrationContext

    try:
        current = frozenset(MigrationContext.configure(db.session.connection()).get_current_heads())
    except SQLAlchemyError as error:
        log.warning("readyz: schema check failed: %s", type(error).__name__)
        db.session.rollback()
        current = frozenset()
    heads = migration_heads()
    result: dict = {"ok": current == heads, "current": sorted(current), "head": sorted(heads)}
    if not result["ok"]:
        result["error"] = ("数据库尚未初始化" if not current else "数据库结构不是当前版本") + \
            "，请运行 flask --app meetingprep db upgrade"
    return result


def _check_scheduler() -> dict:
    expected = bool(current_app.config["SCHEDULER_EXPECTED"])
    max_age = int(current_app.config["READYZ_SCHEDULER_MAX_AGE"])
    result: dict = {"expected": expected, "max_age_seconds": max_age}
    try:
        beat_at = last_beat("scheduler")
    except SQLAlchemyError:
        db.session.rollback()
        beat_at = None
    if beat_at is None:
        fresh = False
        result.update(last_beat=None, age_seconds=None)
    else:
        age = (now() - beat_at).total_seconds()
        fresh = age <= max_age
        result.update(last_beat=beat_at.isoformat(), age_seconds=round(age))
    result["ok"] = fresh or not expected
    if not fresh:
        result["error"] = "提醒调度进程没有近期心跳"
    return result


@bp.route("/readyz")
def readyz():
    checks = {"database": _check_database()}
    checks["schema"] = _check_schema() if checks["database"]["ok"] else {"ok": False, "error": "数据库无法访问"}
    checks["scheduler"] = _check_scheduler() if checks["database"]["ok"] else \
        {"ok": not current_app.config["SCHEDULER_EXPECTED"], "error": "数据库无法访问，无法读取心跳"}
    ready = all(check["ok"] for check in checks.values())
    response = jsonify(status="ok" if ready else "fail", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
