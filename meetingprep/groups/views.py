from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from meetingprep.auth.services import find_user
from meetingprep.errors import DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.groups import queries, services
from meetingprep.groups.forms import AddMemberForm, GroupForm
from meetingprep.groups.models import WorkingGroup
from meetingprep.history import history_for
from meetingprep.meetings import queries as meeting_queries
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import require
from meetingprep.web import current_meeting

bp = Blueprint("groups", __name__, url_prefix="/groups")


@bp.route("/")
@login_required
def index():
    """The working groups of the current meeting."""
    require(current_user, "group.view")
    meeting = current_meeting()
    if meeting is None:
        raise NotFound("还没有会议，请秘书处先创建会议。")
    return redirect(url_for("groups.for_meeting", meeting_id=meeting.id))


@bp.route("/meeting/<int:meeting_id>")
@login_required
def for_meeting(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    require(current_user, "group.view", meeting)
    return render_template("groups/index.html", meeting=meeting,
                           groups=meeting_queries.groups_with_sizes(meeting.id))


def _render_form(form: GroupForm, meeting: Meeting, group: WorkingGroup | None, status: int = 200):
    return render_template("groups/form.html", form=form, meeting=meeting, group=group), status


@bp.route("/meeting/<int:meeting_id>/new", methods=["GET", "POST"])
@login_required
def create(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    require(current_user, "group.manage", meeting)
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(current_user, meeting, name=form.name.data, duties=form.duties.data or "",
                                          sort_order=form.sort_order.data or 0)
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
            return _render_form(form, meeting, None, error.status_code)
        db.session.commit()
        flash(f"已创建工作组“{group.name}”。", "success")
        return redirect(url_for("groups.detail", group_id=group.id))
    return _render_form(form, meeting, None, 400 if form.errors else 200)


def _load(group_id: int) -> WorkingGroup:
    group = db.session.scalar(select(WorkingGroup).options(joinedload(WorkingGroup.meeting))
                              .where(WorkingGroup.id == group_id))
    if group is None:
        raise NotFound("该工作组不存在或已被删除。")
    return group


@bp.route("/<int:group_id>")
@login_required
def detail(group_id: int):
    group = _load(group_id)
    require(current_user, "group.view", group)
    return render_template("groups/detail.html", group=group, memberships=queries.members_of(group.id),
                           form=AddMemberForm(),
                           trail=history_for(db.session, group))


@bp.route("/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit(group_id: int):
    group = _load(group_id)
    meeting = group.meeting  # kept: a rollback below expires the group
    require(current_user, "group.manage", group)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            services.update_group(current_user, group, version_id=form.version_id.data, name=form.name.data,
                                  duties=form.duties.data or "", sort_order=form.sort_order.data or 0)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _render_form(form, meeting, group, error.status_code)
        db.session.commit()
        flash("工作组已保存。", "success")
        return redirect(url_for("groups.detail", group_id=group.id))
    return _render_form(form, meeting, group, 400 if form.errors else 200)


@bp.route("/<int:group_id>/members", methods=["POST"])
@login_required
def add_member(group_id: int):
    group = _load(group_id)
    require(current_user, "group.manage", group)
    form = AddMemberForm()
    if form.validate_on_submit():
        user = find_user(form.username.data)
        try:
            services.add_member(current_user, group, user, is_lead=form.is_lead.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(f"已把“{user.display_name}”加入{group.name}。", "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.route("/<int:group_id>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(group_id: int, membership_id: int):
    group = _load(group_id)
    require(current_user, "group.manage", group)
    removed = services.remove_member(current_user, group, membership_id)
    db.session.commit()
    flash("已移出该成员。" if removed else "该成员已不在本组。", "success" if removed else "info")
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.route("/<int:group_id>/members/<int:membership_id>/lead", methods=["POST"])
@login_required
def set_lead(group_id: int, membership_id: int):
    group = _load(group_id)
    require(current_user, "group.manage", group)
    is_lead = request.args.get("is_lead") == "1"
    services.set_lead(current_user, group, membership_id, is_lead)
    db.session.commit()
    flash("已设为组长。" if is_lead else "已取消组长。", "success")
    return redirect(url_for("groups.detail", group_id=group.id))
