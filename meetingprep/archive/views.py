"""会后: a meeting's archive page (close, progress, download, reopen), its summary draft, the next meeting.

Views load (404), check the permission (403), validate, call one service, commit, redirect.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from meetingprep import spreadsheets, timeutil
from meetingprep.archive import carry_over, services, summary
from meetingprep.archive.forms import ArchiveForm, NextMeetingForm, ReopenForm
from meetingprep.archive.models import ArchiveStatus
from meetingprep.errors import DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import require
from meetingprep.plans.models import PlanTemplate
from meetingprep.uploads import KINDS
from meetingprep.web import render_form

bp = Blueprint("archive", __name__)

ZIP_MIMETYPE = "application/zip"


def _meeting(meeting_id: int, action: str) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("该会议不存在。")
    require(current_user, action, meeting)
    return meeting


def _page(meeting: Meeting, form: ArchiveForm | None = None, status: int | None = None):
    form = form or ArchiveForm()
    return render_form("archive/page.html", form, status, meeting=meeting, archives=services.archives_of(meeting.id),
                       pipelines=carry_over.pipeline_counts(), size_label=services.size_label)


@bp.route("/meetings/<int:meeting_id>/archive")
@login_required
def page(meeting_id: int):
    return _page(_meeting(meeting_id, "meeting.archive"))


@bp.route("/meetings/<int:meeting_id>/archive", methods=["POST"])
@login_required
def close(meeting_id: int):
    meeting = _meeting(meeting_id, "meeting.archive")
    form = ArchiveForm()
    if not form.validate_on_submit():
        return _page(meeting, form)
    try:
        services.archive_meeting(current_user, meeting, confirmation=form.confirmation.data)
    except DomainError as error:
        db.session.rollback()
        form.confirmation.errors.append(error.message)
        return _page(_meeting(meeting_id, "meeting.archive"), form, error.status_code)
    db.session.commit()
    services.build_soon(current_app._get_current_object())
    flash(f"“{meeting.display_name}”已归档，会议资料从现在起只读；归档包正在后台生成。", "success")
    return redirect(url_for(".page", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/archive/rebuild", methods=["POST"])
@login_required
def rebuild(meeting_id: int):
    meeting = _meeting(meeting_id, "meeting.archive")
    try:
        services.queue_archive(current_user, meeting)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for(".page", meeting_id=meeting_id))
    db.session.commit()
    services.build_soon(current_app._get_current_object())
    flash("已重新开始生成归档包。", "success")
    return redirect(url_for(".page", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/archive/progress")
@login_required
def progress(meeting_id: int):
    """The latest build's state, for the page's script (and anyone polling)."""
    meeting = _meeting(meeting_id, "meeting.archive")
    archive = services.latest_archive(meeting.id)
    if archive is None:
        return jsonify({"status": None, "closed": meeting.is_closed})
    return jsonify({"status": archive.status.value, "label": archive.status.label, "percent": archive.percent,
                    "step": archive.step, "error": archive.error, "closed": meeting.is_closed,
                    "done": archive.status == ArchiveStatus.DONE, "active": archive.is_active,
                    "download": url_for(".download", meeting_id=meeting.id)
                    if archive.status == ArchiveStatus.DONE else None})


@bp.route("/meetings/<int:meeting_id>/archive/download")
@login_required
def download(meeting_id: int):
    meeting = _meeting(meeting_id, "meeting.archive")
    archive = services.latest_built(meeting.id)
    path = services.archive_path(archive) if archive is not None else None
    if path is None:
        flash("还没有可下载的归档包（可能仍在生成中），请稍后再试；如文件已丢失，请重新生成。", "warning")
        return redirect(url_for(".page", meeting_id=meeting_id))
    filename = f"{meeting.display_name}归档包-{spreadsheets.stamp(archive.finished_at)}.zip"
    response = send_file(path, mimetype=ZIP_MIMETYPE, as_attachment=True, download_name=filename, conditional=True,
                         max_age=0)
    response.headers["Content-Disposition"] = spreadsheets.content_disposition(filename, "archive")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Archive-SHA256"] = archive.sha256
    return response


@bp.route("/meetings/<int:meeting_id>/summary.docx")
@login_required
def summary_docx(meeting_id: int):
    """会议总结 draft from the figures as they are now (the archive holds the one at closing)."""
    meeting = _meeting(meeting_id, "meeting.archive")
    data = summary.summary_docx(summary.figures(meeting))
    response = Response(data, mimetype=KINDS["docx"][1])
    response.headers["Content-Disposition"] = spreadsheets.content_disposition(
        f"{meeting.display_name}会议总结（草稿）-{spreadsheets.stamp()}.docx", "summary")
    return response


@bp.route("/meetings/<int:meeting_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen(meeting_id: int):
    meeting = _meeting(meeting_id, "meeting.reopen")
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            services.reopen_meeting(current_user, meeting, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            form.reason.errors.append(error.message)
            return render_form("archive/reopen.html", form, error.status_code,
                               meeting=_meeting(meeting_id, "meeting.reopen"))
        db.session.commit()
        flash(f"“{meeting.display_name}”已重新打开，可以再次修改；原因已记入审计记录。", "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting_id))
    return render_form("archive/reopen.html", form, meeting=meeting)


def _plan_choices(meeting: Meeting) -> list[tuple[str, str]]:
    templates = db.session.execute(select(PlanTemplate.id, PlanTemplate.name, PlanTemplate.item_count)
                                   .order_by(PlanTemplate.created_at.desc(), PlanTemplate.id.desc())).all()
    return [(carry_over.PLAN_NONE, "暂不生成任务"),
            (carry_over.PLAN_THIS, f"按“{meeting.display_name}”的任务生成（先保存为施工图模板）"),
            *((str(t.id), f"按模板“{t.name}”生成（{t.item_count} 项）") for t in templates)]


def _next_year(moment: dt.datetime) -> dt.datetime:
    local = timeutil.to_local(moment).replace(tzinfo=None)
    try:
        return local.replace(year=local.year + 1)
    except ValueError:  # 29 February
        return local.replace(year=local.year + 1, day=28)


@bp.route("/meetings/<int:meeting_id>/next", methods=["GET", "POST"])
@login_required
def next_meeting(meeting_id: int):
    """The next meeting started from this one in one step (groups, members, plan)."""
    meeting = _meeting(meeting_id, "meeting.carry_over")
    form = NextMeetingForm()
    form.plan.choices = _plan_choices(meeting)
    if not form.is_submitted():
        form.name.data, form.short_name.data, form.venue.data = "", "", meeting.venue
        form.opens_at.data, form.closes_at.data = _next_year(meeting.opens_at), _next_year(meeting.closes_at)
        form.plan.data = carry_over.PLAN_THIS
    if form.validate_on_submit():
        try:
            result = carry_over.start_next_meeting(
                current_user, meeting, name=form.name.data, short_name=form.short_name.data or "",
                opens_at=timeutil.from_local(form.opens_at.data), closes_at=timeutil.from_local(form.closes_at.data),
                venue=form.venue.data or "", description=form.description.data or "",
                copy_groups=form.copy_groups.data, plan=form.plan.data, make_current=form.make_current.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_form("archive/next.html", form, error.status_code,
                               meeting=_meeting(meeting_id, "meeting.carry_over"),
                               pipelines=carry_over.pipeline_counts())
        db.session.commit()
        flash(f"已创建“{result.meeting.display_name}”：沿用工作组 {result.groups} 个、成员 {result.members} 人"
              + (f"，生成任务 {result.tasks} 项" if result.template is not None else "") + "。", "success")
        return redirect(url_for("meetings.detail", meeting_id=result.meeting.id))
    return render_form("archive/next.html", form, meeting=meeting, pipelines=carry_over.pipeline_counts())
