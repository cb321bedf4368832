"""User administration for the secretariat and administrators."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep.auth import queries, services, throttle
from meetingprep.auth.forms import NewPasswordForm, UserCreateForm, UserEditForm
from meetingprep.auth.models import User
from meetingprep.errors import DomainError
from meetingprep.extensions import db
from meetingprep.history import history_for
from meetingprep.permissions import Role, can, require
from meetingprep.web import paginate

bp = Blueprint("users", __name__, url_prefix="/users")


def _grantable_roles() -> list[Role]:
    return [role for role in Role if can(current_user, "user.grant_role", role)]


def _load(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    require(current_user, "user.edit", user)
    return user


@bp.route("/")
@login_required
def index():
    require(current_user, "user.manage")
    q = request.args.get("q", "").strip()[:64]
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    pagination = paginate(queries.user_search(q, role, status))
    groups = queries.groups_by_user([user.id for user in pagination.items])
    return render_template("users/index.html", pagination=pagination, groups=groups, q=q, role=role,
                           status=status)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    require(current_user, "user.manage")
    form = UserCreateForm()
    form.limit_roles(_grantable_roles())
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, username=form.username.data,
                                        display_name=form.display_name.data, role=Role(form.role.data),
                                        password=form.password.data, phone=form.phone.data or "",
                                        email=form.email.data or "")
        except DomainError as error:
            db.session.rollback()
            target = form.username if "用户名" in error.message else form.password
            target.errors.append(error.message)
            return render_template("users/form.html", form=form, target=None), error.status_code
        db.session.commit()
        flash(f"已创建用户“{user.display_name}”。", "success")
        return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/form.html", form=form, target=None), 400 if form.errors else 200


@bp.route("/<int:user_id>")
@login_required
def detail(user_id: int):
    user = _load(user_id)
    memberships = queries.groups_by_user([user.id])[user.id]
    return render_template("users/detail.html", target=user, memberships=memberships,
                           login_wait=throttle.waiting_until(user.username, user.id),
                           trail=history_for(db.session, user))


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit(user_id: int):
    user = _load(user_id)
    form = UserEditForm(obj=user)
    form.limit_roles(_grantable_roles())
    if form.validate_on_submit():
        try:
            services.update_user(current_user, user, version_id=form.version_id.data,
                                 display_name=form.display_name.data, role=Role(form.role.data),
                                 phone=form.phone.data or "", email=form.email.data or "")
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template("users/form.html", form=form, target=user), error.status_code
        db.session.commit()
        flash("用户信息已保存。", "success")
        return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/form.html", form=form, target=user), 400 if form.errors else 200


@bp.route("/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@login_required
def set_active(user_id: int, action: str):
    user = _load(user_id)
    active = action == "reactivate"
    services.set_user_active(current_user, user, active)
    db.session.commit()
    flash(f"已启用“{user.display_name}”。" if active else f"已停用“{user.display_name}”，其登录已失效。", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/login-wait/lift", methods=["POST"])
@login_required
def lift_login_wait(user_id: int):
    user = _load(user_id)
    services.lift_login_wait(current_user, user)
    db.session.commit()
    flash(f"已解除“{user.display_name}”的登录等待，现在可以立即登录。", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def reset_password(user_id: int):
    user = _load(user_id)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, user, form.password.data)
        except DomainError as error:
            db.session.rollback()
            form.password.errors.append(error.message)
            return render_template("users/password.html", form=form, target=user), error.status_code
        db.session.commit()
        flash(f"已重置“{user.display_name}”的密码，请把新密码当面或电话告知本人。", "success")
        return redirect(url_for("users.detail", user_id=user.id))
    if request.method == "POST":
        return render_template("users/password.html", form=form, target=user), 400
    return render_template("users/password.html", form=form, target=user)

