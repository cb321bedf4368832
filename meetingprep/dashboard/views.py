from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from meetingprep import spreadsheets, timeutil
from meetingprep.bounds import arg_int
from meetingprep.dashboard.export import workbook_bytes
from meetingprep.dashboard.queries import api_payload, context_for, current_figures, freshness_label, wall_sections
from meetingprep.dashboard.sections import sections
from meetingprep.errors import NotFound
from meetingprep.permissions import require
from meetingprep.web import current_meeting

bp = Blueprint("dashboard", __name__)

DEFAULT_REFRESH_SECONDS = 60


def _context():
    require(current_user, "dashboard.view")
    meeting = current_meeting()
    if meeting is None:
        raise NotFound("还没有会议，驾驶舱暂无数据。请秘书处先创建本次会议。")
    return context_for(current_user, meeting)


@bp.route("/dashboard")
@login_required
def index():
    ctx = _context()
    figures = current_figures(ctx)
    return render_template("dashboard/index.html", ctx=ctx, sections=sections(), figures=figures.sections,
                           computed_label=freshness_label(figures.computed_at))


@bp.route("/dashboard/wall")
@login_required
def wall():
    ctx = _context()
    refresh = arg_int("refresh", DEFAULT_REFRESH_SECONDS, -(10**20), 10**20)
    figures = current_figures(ctx)
    return render_template("dashboard/wall.html", ctx=ctx, sections=wall_sections(), figures=figures.sections,
                           computed_label=freshness_label(figures.computed_at), refresh=min(max(refresh, 1), 3600))


@bp.route("/api/dashboard")
@login_required
def api():
    ctx = _context()
    figures = current_figures(ctx)
    payload = api_payload(ctx, figures.sections, figures.computed_at)
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(text, mimetype="application/json")


@bp.route("/dashboard/export.xlsx")
@login_required
def export():
    ctx = _context()
    workbook = workbook_bytes(current_figures(ctx).sections, f"{ctx.meeting.name}筹备日报", ctx.moment)
    response = current_app.response_class(workbook, content_type=spreadsheets.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = spreadsheets.content_disposition(
        f"大会筹备日报-{timeutil.to_local(ctx.moment):%Y%m%d}.xlsx", "daily-report")
    return response
