"""Notice pages: my notices, the secretariat's list, compose and send, a notice (its text, or its receipts)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep import timeutil
from meetingprep.bounds import page_number
from meetingprep.db import writing
from meetingprep.errors import DomainError, NotAllowed, NotFound
from meetingprep.extensions import db
from meetingprep.notices import queries, services
from meetingprep.notices.forms import NoticeCancelForm, NoticeForm
from meetingprep.notices.models import Notice, NoticeCategory, ScopeKind
from meetingprep.notifications import sms
from meetingprep.notifications.channels import email_configured
from meetingprep.permissions import can, require
from meetingprep.web import meeting_or_404, render_form

bp = Blueprint("notices", __name__, url_prefix="/notices")


def _notice(notice_id: int) -> Notice:
    notice = queries.notice_for_page(notice_id)
    if notice is None:
        raise NotFound("该通知不存在或已被删除。")
    return notice


# ── my notices ─────────────────────────────────────────────────────────────────────────────────
@bp.route("/")
@login_required
def index():
    require(current_user, "notice.list")
    unread_only = request.args.get("status") == "unread"
    rows = queries.my_notices_page(current_user.id, unread_only=unread_only, page=page_number(),
                                   per_page=current_app.config["PAGE_SIZE"])
    return render_template("notices/index.html", rows=rows, unread_only=unread_only)


# ── the secretariat's pages ────────────────────────────────────────────────────────────────────
@bp.route("/manage")
@login_required
def manage():
    require(current_user, "notice.manage")
    meeting = meeting_or_404()
    pagination = queries.manage_page(meeting.id, page_number(), current_app.config["PAGE_SIZE"])
    return render_template("notices/manage.html", meeting=meeting, pagination=pagination)


def _form(meeting) -> NoticeForm:
    form = NoticeForm()
    choices = queries.scope_choices(meeting.id)
    form.sectors.choices = choices.sectors
    form.discussion_group_ids.choices = choices.discussion_groups
    form.sitting_ids.choices = choices.sittings
    form.working_group_ids.choices = choices.working_groups
    return form


def _data(form: NoticeForm) -> services.NoticeData:
    scopes = [services.ScopeChoice(kind) for kind, chosen in (
        (ScopeKind.ALL_MEMBERS, form.all_members.data), (ScopeKind.STANDING, form.standing.data),
        (ScopeKind.ALL_STAFF, form.all_staff.data)) if chosen]
    scopes += [services.ScopeChoice(ScopeKind.SECTOR, ref_text=name) for name in form.sectors.data or []]
    scopes += [services.ScopeChoice(ScopeKind.DISCUSSION_GROUP, ref_id=i) for i in form.discussion_group_ids.data or []]
    scopes += [services.ScopeChoice(ScopeKind.SITTING, ref_id=i) for i in form.sitting_ids.data or []]
    scopes += [services.ScopeChoice(ScopeKind.WORKING_GROUP, ref_id=i) for i in form.working_group_ids.data or []]
    later = form.when.data == "later"
    return services.NoticeData(
        category=NoticeCategory(form.category.data), title=form.title.data or "", body=form.body.data or "",
        scopes=scopes, send_email=form.send_email.data, send_sms=form.send_sms.data,
        send_at=timeutil.from_local(form.send_at.data) if later and form.send_at.data else None,
        remind_after_hours=form.remind_after_hours.data or None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(current_user, "notice.manage")
    meeting = meeting_or_404()
    form = _form(meeting)
    if form.validate_on_submit():
        if form.when.data == "later" and not form.send_at.data:
            form.send_at.errors.append("选择“定时发送”时，请填写发送时间。")
            return _form_page(form, meeting)
        try:
            notice = services.create_notice(current_user, meeting, _data(form))
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _form_page(form, meeting, error.status_code)
        db.session.commit()
        if notice.is_sent:
            flash(f"已发送通知《{notice.title}》，共 {notice.recipient_count} 人。", "success")
        else:
            flash(f"通知《{notice.title}》将于 {timeutil.format_datetime(notice.send_at)} 发送。", "success")
        return redirect(url_for(".detail", notice_id=notice.id))
    return _form_page(form, meeting)


def _form_page(form: NoticeForm, meeting, status: int | None = None):
    return render_form("notices/form.html", form, status, meeting=meeting, sms_on=sms.configured(),
                       mail_on=email_configured())


# ── one notice ─────────────────────────────────────────────────────────────────────────────────
@bp.route("/<int:notice_id>")
@login_required
def detail(notice_id: int):
    """The secretariat sees the receipts; a recipient the notice itself (opening it is the receipt)."""
    notice = _notice(notice_id)
    receipt = queries.receipt_of(notice.id, current_user.id)
    if receipt is not None and receipt.read_at is None and can(current_user, "notice.read", receipt):
        with writing(db.session):
            services.open_notice(current_user, receipt)
    if can(current_user, "notice.manage"):
        show = request.args.get("show", "all")
        show = show if show in queries.SHOWS else "all"
        return render_template(
            "notices/detail.html", notice=notice, counts=queries.receipt_counts(notice.id), show=show,
            shows=queries.SHOWS, receipts=queries.receipts_page(notice.id, show, page_number(),
                                                                current_app.config["PAGE_SIZE"]),
            cancel_form=NoticeCancelForm(obj=notice), own_receipt=receipt)
    if not can(current_user, "notice.read", receipt) or not notice.is_sent:
        raise NotAllowed("这条通知不是发给您的。")
    return render_template("notices/read.html", notice=notice, receipt=receipt)


@bp.route("/<int:notice_id>/cancel", methods=["POST"])
@login_required
def cancel(notice_id: int):
    notice = _notice(notice_id)
    require(current_user, "notice.manage")
    form = NoticeCancelForm()
    form.validate()
    services.cancel_notice(current_user, notice, form.version_id.data)  # refusals: the error page (409)
    db.session.commit()
    flash(f"已撤销定时通知《{notice.title}》。", "success")
    return redirect(url_for(".detail", notice_id=notice_id))
