from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep.auth import services
from meetingprep.auth.forms import ChangePasswordForm, LoginForm
from meetingprep.errors import DomainError
from meetingprep.extensions import db
from meetingprep.ops.sessions import log_in, log_out
from meetingprep.timeutil import now

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only a local path is followed after login: never another host."""
    if not target:
        return url_for("meetings.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("meetings.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        ip = request.remote_addr or ""
        try:
            services.count_login_try(form.username.data, ip)
            db.session.commit()  # counted before the password is checked: parallel guesses see each other
            user = services.authenticate(form.username.data, form.password.data, ip)
        except DomainError as error:
            db.session.commit()  # the failed attempt's record
            return _refused(error, form, form.password, "auth/login.html")
        log_in(user, remember=form.remember.data)  # commits the attempt and the new session
        flash(f"欢迎，{user.display_name}。", "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


def _refused(error: DomainError, form, field, template: str):
    """The form again with the reason under the password; a wait says when it ends (Retry-After too)."""
    field.errors.append(error.message)
    response = make_response(render_template(template, form=form), error.status_code)
    if isinstance(error, services.LoginThrottled):
        response.headers["Retry-After"] = str(max(1, int((error.retry_at - now()).total_seconds() + 0.999)))
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    log_out(current_user)
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.count_password_try(user)
            db.session.commit()  # counted before the current password is checked
            services.change_own_password(user, form.current_password.data, form.new_password.data)
        except services.LoginThrottled as error:
            db.session.commit()
            return _refused(error, form, form.current_password, "auth/change_password.html")
        except DomainError as error:
            db.session.commit()  # the try stays counted
            target = form.current_password if "当前密码" in error.message else form.new_password
            target.errors.append(error.message)
            return render_template("auth/change_password.html", form=form), 400
        # every old session ended; this browser gets a new one (remembered again if it was)
        log_in(current_user._get_current_object(),
               remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies)
        flash("密码已修改，其他设备上的登录已失效。", "success")
        return redirect(url_for("meetings.home"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200
