from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep import spreadsheets, timeutil
from meetingprep.attendance import queries as attendance_queries
from meetingprep.bounds import arg_int
from meetingprep.dashboard import kiosk
from meetingprep.dashboard.core import DashboardContext
from meetingprep.dashboard.drawing import drawn_section
from meetingprep.dashboard.export import workbook_bytes
from meetingprep.dashboard.models import KioskLink
from meetingprep.dashboard.queries import api_payload, context_for, current_figures, freshness_label, wall_sections
from meetingprep.dashboard.sections import sections
from meetingprep.errors import DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.forms import BaseForm
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import can, require
from meetingprep.web import current_meeting

bp = Blueprint("dashboard", __name__)
bp.add_app_template_global(drawn_section)

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
    # Whoever may decide the meeting's leave (a leader named to, the secretariat): the dashboard is a leader's
    # home, so what waits on them is at its top.
    pending = attendance_queries.pending_leave(ctx.meeting.id) \
        if can(current_user, "attendance.leave.decide", ctx.meeting) else None
    return render_template("dashboard/index.html", ctx=ctx, sections=sections(), figures=figures.sections,
                           figures_identity=figures.identity, computed_label=freshness_label(figures.computed_at),
                           pending=pending)


@bp.route("/dashboard/wall")
@login_required
def wall():
    ctx = _context()
    refresh = arg_int("refresh", DEFAULT_REFRESH_SECONDS, -(10**20), 10**20)
    return _wall(ctx, url_for("dashboard.api"), refresh)


def _wall(ctx, api_url: str, refresh: int):
    figures = current_figures(ctx)
    rotate = arg_int("rotate", 20, 1, 600)  # seconds a screenful stays when the wall has several
    return render_template("dashboard/wall.html", ctx=ctx, sections=wall_sections(), figures=figures.sections,
                           figures_identity=figures.identity, api_url=api_url,
                           computed_label=freshness_label(figures.computed_at),
                           refresh=min(max(refresh, 1), 3600), rotate=rotate)


def _api_text(ctx) -> str:
    figures = current_figures(ctx)
    payload = api_payload(ctx, figures.sections, figures.computed_at)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


@bp.route("/api/dashboard")
@login_required
def api():
    ctx = _context()
    return current_app.response_class(_api_text(ctx), mimetype="application/json")


# ── 大屏链接: the wall without a login ────────────────────────────────────────────────────────────
def _kiosk_context(token: str):
    link = kiosk.link_for_token(token)
    if link is None:
        raise NotFound("该大屏链接无效或已停用。请向大会秘书处索取新的链接。")
    meeting = db.session.get(Meeting, link.meeting_id)
    return DashboardContext(meeting=meeting, moment=timeutil.now(), group_ids=None)  # the whole meeting


@bp.route("/wall/<token>")
def kiosk_wall(token: str):
    """The wall for a screen's browser: read-only, no login, as long as the link is not revoked."""
    ctx = _kiosk_context(token)
    refresh = arg_int("refresh", DEFAULT_REFRESH_SECONDS, -(10**20), 10**20)
    return _wall(ctx, url_for("dashboard.kiosk_api", token=token), refresh)


@bp.route("/wall/<token>/figures.json")
def kiosk_api(token: str):
    ctx = _kiosk_context(token)
    return current_app.response_class(_api_text(ctx), mimetype="application/json")


@bp.route("/dashboard/kiosk", methods=["GET", "POST"])
@login_required
def kiosk_links():
    require(current_user, "dashboard.kiosk")
    meeting = current_meeting()
    if meeting is None:
        raise NotFound("还没有会议。请先创建本次会议。")
    form = BaseForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            link = kiosk.create_link(current_user, meeting, request.form.get("label", "")[:200])
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(f"已创建大屏链接「{link.label}」。请在大屏的浏览器中打开下面的地址。", "success")
        return redirect(url_for("dashboard.kiosk_links"))
    base = current_app.config["BASE_URL"].rstrip("/")
    links = [(link, base + url_for("dashboard.kiosk_wall", token=kiosk.token_for(link)))
             for link in kiosk.links_of(meeting)]
    return render_template("dashboard/kiosk.html", links=links, form=form)


@bp.route("/dashboard/kiosk/<int:link_id>/revoke", methods=["POST"])
@login_required
def kiosk_revoke(link_id: int):
    require(current_user, "dashboard.kiosk")
    link = db.session.get(KioskLink, link_id)
    if link is None:
        raise NotFound("该大屏链接不存在。")
    kiosk.revoke_link(current_user, link)
    db.session.commit()
    flash(f"大屏链接「{link.label}」已停用，大屏将在下次刷新时停止显示。", "success")
    return redirect(url_for("dashboard.kiosk_links"))


@bp.route("/dashboard/export.xlsx")
@login_required
def export():
    ctx = _context()
    workbook = workbook_bytes(current_figures(ctx).sections, f"{ctx.meeting.name}筹备日报", ctx.moment)
    response = current_app.response_class(workbook, content_type=spreadsheets.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = spreadsheets.content_disposition(
        f"大会筹备日报-{timeutil.to_local(ctx.moment):%Y%m%d}.xlsx", "daily-report")
    return response
