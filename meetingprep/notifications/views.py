from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from meetingprep import scheduler
from meetingprep.bounds import page_number
from meetingprep.errors import DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.notifications import queries, services, wording
from meetingprep.notifications.forms import PreferencesForm, WebhookForm, WordingForm
from meetingprep.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    GroupWebhook,
    MessageTemplate,
    Notification,
)
from meetingprep.notifications.robots import Platform
from meetingprep.permissions import require
from meetingprep.web import current_meeting

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _local_link(link: str) -> str:
    """Follow a notification's link only within this site. Links are stored as paths inside the application
    (``tasks.links``), so the mount point (``SCRIPT_NAME``) is added here, as ``url_for`` would."""
    parts = urlsplit(link or "")
    if parts.scheme or parts.netloc or not link.startswith("/") or link.startswith("//"):
        return url_for("notifications.inbox")
    return request.script_root + link


# ── inbox ──────────────────────────────────────────────────────────────────────────────────────
@bp.route("/")
@login_required
def inbox():
    require(current_user, "notifications.inbox")
    unread_only = request.args.get("status") == "unread"
    kind = request.args.get("kind", "")[:40]
    pagination = queries.inbox(current_user.id, unread_only=unread_only, kind=kind, page=page_number())
    return render_template("notifications/inbox.html", pagination=pagination, unread_only=unread_only,
                           kind=kind, kinds=queries.inbox_kinds(current_user.id), kind_labels=_kind_labels(),
                           local_link=_local_link)


#: Kinds of the notifications services send with their own words (no wording to edit), by their filter label.
EVENT_LABELS = {"task.assigned": "任务分派", "task.submitted": "任务提交验收", "task.accepted": "任务验收通过",
                "task.returned": "任务退回", "task.cancelled": "任务取消", "task.mention": "留言中提到我",
                "task.predecessor_done": "前置任务完成", "text": "通知", "notice": "通知公告"}


def _kind_labels() -> dict[str, str]:
    return EVENT_LABELS | {name: spec.label for name, spec in wording.KINDS.items()}


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    notification = db.get_or_404(Notification, notification_id)
    require(current_user, "notifications.read", notification)
    services.mark_read(current_user, notification)
    db.session.commit()
    if request.form.get("go"):
        return redirect(_local_link(notification.link))
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("notifications.inbox"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    require(current_user, "notifications.inbox")
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(f"已将 {count} 条通知标为已读。" if count else "没有未读通知。", "success")
    return redirect(url_for("notifications.inbox"))


# ── personal settings ──────────────────────────────────────────────────────────────────────────
@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    require(current_user, "notifications.settings")
    preference = services.preferences_of(current_user.id)
    form = PreferencesForm(obj=None if request.method == "POST" else preference)
    if request.method == "GET":
        form.quiet_start.data = f"{preference.quiet_start:%H:%M}"
        form.quiet_end.data = f"{preference.quiet_end:%H:%M}"
    if form.validate_on_submit():
        try:
            services.update_preferences(current_user, email_enabled=form.email_enabled.data,
                                        webhook_enabled=form.webhook_enabled.data,
                                        quiet_enabled=form.quiet_enabled.data,
                                        quiet_start=form.quiet_start.data, quiet_end=form.quiet_end.data)
        except DomainError as error:
            form.quiet_end.errors.append(error.message)
            return _settings_page(form), error.status_code
        db.session.commit()
        flash("通知设置已保存。", "success")
        return redirect(url_for("notifications.settings"))
    return _settings_page(form), 400 if form.errors else 200


def _settings_page(form):
    return render_template("notifications/settings.html", form=form,
                           mail_configured=bool(current_app.config.get("MAIL_HOST")),
                           has_email=bool(current_user.email))


# ── working group robots ───────────────────────────────────────────────────────────────────────
@bp.route("/webhooks")
@login_required
def webhooks():
    require(current_user, "notifications.webhooks")
    meeting = current_meeting()
    groups = queries.webhook_groups(meeting.id if meeting else None)
    hooks = {hook.group_id: hook for hook in db.session.scalars(
        select(GroupWebhook).where(GroupWebhook.group_id.in_([group.id for group in groups])))}
    return render_template("notifications/webhooks.html", groups=groups, hooks=hooks,
                           platform_labels={p.value: p.label for p in Platform})


@bp.route("/webhooks/<int:group_id>", methods=["GET", "POST"])
@login_required
def webhook_edit(group_id: int):
    group = db.get_or_404(WorkingGroup, group_id)
    require(current_user, "notifications.webhook", group)
    hook = services.webhook_of(group)
    form = WebhookForm(obj=hook if request.method == "GET" else None)
    if request.method == "GET":
        form.version_id.data = hook.version_id if hook else ""
        form.secret.data = ""  # never sent back to the browser
    has_secret = bool(hook and hook.secret)
    if form.validate_on_submit():
        try:
            services.set_group_webhook(current_user, group, url=form.url.data, is_enabled=form.is_enabled.data,
                                       version=form.version_id.data, platform=form.platform.data,
                                       secret=form.secret.data, clear_secret=form.clear_secret.data,
                                       mention_by_mobile=form.mention_by_mobile.data)
        except DomainError as error:
            db.session.rollback()
            form.url.errors.append(error.message)
            return render_template("notifications/webhook_edit.html", form=form, group=group,
                                   has_secret=has_secret), error.status_code
        db.session.commit()
        flash(f"{group.name}的群机器人设置已保存。", "success")
        return redirect(url_for("notifications.webhooks"))
    return render_template("notifications/webhook_edit.html", form=form, group=group,
                           has_secret=has_secret), 400 if form.errors else 200


# ── administration: jobs and the delivery log ──────────────────────────────────────────────────
def _enum_arg(enum_cls, name: str):
    value = request.args.get(name, "")
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


@bp.route("/admin")
@login_required
def admin():
    require(current_user, "notifications.admin")
    jobs = scheduler.job_states(current_app._get_current_object())  # first: it ends the transaction
    status = _enum_arg(DeliveryStatus, "status")
    channel = _enum_arg(Channel, "channel")
    pagination = queries.delivery_log(status=status, channel=channel, page=page_number())
    return render_template("notifications/admin.html", jobs=jobs, pagination=pagination, status=status, channel=channel,
                           counts=queries.delivery_counts(), statuses=DeliveryStatus, channels=Channel,
                           resendable=services.RESENDABLE, base_url=current_app.config["BASE_URL"],
                           base_url_configured=current_app.config["BASE_URL_CONFIGURED"])


JOB_ACTIONS = {"pause": "已暂停", "resume": "已恢复", "run": "已执行"}


@bp.route("/admin/jobs/<job_id>/<action>", methods=["POST"])
@login_required
def job_action(job_id: str, action: str):
    if job_id not in scheduler.JOBS or action not in JOB_ACTIONS:
        raise NotFound("没有这个定时任务或操作。")
    require(current_user, "notifications.admin")
    app = current_app._get_current_object()
    label = scheduler.JOBS[job_id].label
    if action == "run":
        # Synchronously, here: the web worker may have no scheduler, and a changed next run time would
        # wait for the scheduler's next wake-up. Safe even if the scheduler runs it at the same moment,
        # because every tick is idempotent (ReminderLog, claim-before-send).
        succeeded, message = scheduler.execute_job(job_id)
        flash(f"“{label}”{JOB_ACTIONS[action]}：{message}", "success" if succeeded else "danger")
    else:
        (scheduler.pause_job if action == "pause" else scheduler.resume_job)(app, job_id)
        flash(f"“{label}”{JOB_ACTIONS[action]}。", "success")
    return redirect(url_for("notifications.admin"))


@bp.route("/admin/deliveries/<int:delivery_id>/resend", methods=["POST"])
@login_required
def resend(delivery_id: int):
    delivery = db.get_or_404(Delivery, delivery_id)
    require(current_user, "notifications.admin")
    try:
        services.resend_delivery(current_user, delivery)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for("notifications.admin", status="failed"))
    db.session.commit()
    flash("已重新排入发送队列，将在一分钟内发送。", "success")
    return redirect(url_for("notifications.admin", status=request.args.get("status", "")))


# ── administration: wording ────────────────────────────────────────────────────────────────────
@bp.route("/admin/wording")
@login_required
def wording_list():
    require(current_user, "notifications.wording")
    return render_template("notifications/wording_list.html", kinds=wording.KINDS.values(),
                           texts=wording.wordings())


@bp.route("/admin/wording/<kind>", methods=["GET", "POST"])
@login_required
def wording_edit(kind: str):
    spec = services.message_kind(kind)
    require(current_user, "notifications.wording")
    text = wording.wordings([kind])[kind]
    stored = None if text.is_default else db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.kind == kind))
    form = WordingForm()
    if request.method == "GET":
        form.subject.data, form.body.data = text.subject, text.body
        form.version_id.data = stored.version_id if stored else ""
    preview = None
    status = 200
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "preview":
                preview = services.preview_wording(kind, form.subject.data, form.body.data)
            else:
                services.save_wording(current_user, kind, form.subject.data, form.body.data, form.version_id.data)
                db.session.commit()
                flash(f"“{spec.label}”的措辞已保存。", "success")
                return redirect(url_for("notifications.wording_list"))
        except DomainError as error:
            db.session.rollback()
            form.body.errors.append(error.message)
            status = error.status_code
    elif form.errors:
        status = 400
    return render_template("notifications/wording_edit.html", form=form, spec=spec, preview=preview,
                           is_default=text.is_default), status


@bp.route("/admin/wording/<kind>/reset", methods=["POST"])
@login_required
def wording_reset(kind: str):
    spec = services.message_kind(kind)
    require(current_user, "notifications.wording")
    services.reset_wording(current_user, kind)
    db.session.commit()
    flash(f"“{spec.label}”已恢复默认措辞。", "success")
    return redirect(url_for("notifications.wording_list"))
