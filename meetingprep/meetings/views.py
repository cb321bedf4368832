from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep import timeutil
from meetingprep.attendance.queries import movable_sittings
from meetingprep.attendance.views import qr_svg
from meetingprep.errors import DomainError
from meetingprep.extensions import db
from meetingprep.history import history_for
from meetingprep.meetings import closure, queries, services, workbench
from meetingprep.meetings.forms import MeetingCreateForm, MeetingEditForm, MeetingForm
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import can, require
from meetingprep.timeutil import now
from meetingprep.web import current_meeting, paginate

bp = Blueprint("meetings", __name__)


@bp.route("/")
@login_required
def home():
    """工作台: the page that answers "what do I do now" for the person's role (meetings.workbench)."""
    if workbench.is_leader_home(current_user):
        return redirect(url_for("dashboard.index"))
    meeting = current_meeting()
    moment = now()
    bench = workbench.workbench(current_user, meeting, moment) if meeting is not None else None
    return render_template("meetings/home.html", meeting=meeting, bench=bench, moment=moment,
                           qr_svg=qr_svg(bench.member, fit=True) if bench is not None and bench.member else None)


@bp.route("/meetings/")
@login_required
def index():
    require(current_user, "meeting.view")
    pagination = paginate(queries.meeting_list())
    counts = queries.group_counts([meeting.id for meeting in pagination.items])
    return render_template("meetings/index.html", pagination=pagination, counts=counts, moment=now())


def _dates(form: MeetingForm) -> dict:
    return {"opens_at": timeutil.from_local(form.opens_at.data), "closes_at": timeutil.from_local(form.closes_at.data)}


def _texts(form: MeetingForm) -> dict:
    return {"name": form.name.data, "short_name": form.short_name.data or "", "venue": form.venue.data or "",
            "description": form.description.data or ""}


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def create():
    require(current_user, "meeting.manage")
    form = MeetingCreateForm()
    if form.validate_on_submit():
        try:
            meeting = services.create_meeting(current_user, **_texts(form), **_dates(form),
                                              make_current=form.make_current.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template("meetings/form.html", form=form, meeting=None), error.status_code
        db.session.commit()
        flash(f"已创建会议“{meeting.name}”。", "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None), 400 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    require(current_user, "meeting.view", meeting)
    groups = queries.groups_with_sizes(meeting.id) if can(current_user, "group.view") else []
    trail = history_for(db.session, meeting) if can(current_user, "audit.view") else []
    return render_template("meetings/detail.html", meeting=meeting, groups=groups, trail=trail, moment=now())


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    require(current_user, "meeting.manage", meeting)
    if request.method == "GET":
        closure.ensure_open(meeting)  # an archived meeting: say so instead of a form that cannot be saved
    # a POST is judged on what it sends: a field left out must not keep the stored (aware) time
    form = MeetingEditForm(obj=meeting) if request.method == "GET" else MeetingEditForm()
    if not form.is_submitted():
        form.opens_at.data = timeutil.to_local(meeting.opens_at).replace(tzinfo=None)
        form.closes_at.data = timeutil.to_local(meeting.closes_at).replace(tzinfo=None)
    if form.validate_on_submit():
        dates = _dates(form)
        shift = dates["opens_at"] - meeting.opens_at
        movable = movable_sittings(meeting.id) if shift else []
        if movable and form.shift_seen.data != str(shift.total_seconds()):
            # The opening moves and sittings could follow: show old → new before anything changes.
            form.shift_seen.data = str(shift.total_seconds())
            preview = [(sitting, sitting.starts_at + shift) for sitting in movable]
            return render_template("meetings/form.html", form=form, meeting=meeting, preview=preview,
                                   shift=shift)
        try:
            services.update_meeting(current_user, meeting, version_id=form.version_id.data, **_texts(form),
                                    **dates, move_sittings=bool(movable) and form.move_sittings.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template("meetings/form.html", form=form, meeting=meeting), error.status_code
        db.session.commit()
        flash("会议信息已保存。", "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting), 400 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/current", methods=["POST"])
@login_required
def set_current(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    require(current_user, "meeting.manage", meeting)
    services.set_current_meeting(current_user, meeting)
    db.session.commit()
    flash(f"“{meeting.display_name}”已设为当前会议。", "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))
