from __future__ import annotations

import datetime as dt
import math
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep import spreadsheets
from meetingprep.bounds import arg_id, parse_id, within
from meetingprep.errors import DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.history import history_for
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import can, require
from meetingprep.plans import deadlines, feed, gantt, importer, queries, services
from meetingprep.plans.forms import ConfirmForm, ImportUploadForm, TemplateSaveForm, apply_form, choices
from meetingprep.plans.links import absolute
from meetingprep.plans.models import PlanTemplate
from meetingprep.timeutil import local_now, now, to_local
from meetingprep.web import current_meeting, page_number

bp = Blueprint("plans", __name__, url_prefix="/plans")

CALENDAR_TASKS_PER_DAY = 4
TEMPLATE_ITEMS_PER_PAGE = 100
PREVIEW_ROWS_PER_PAGE = 200
DAY_TASKS_PER_PAGE = 100


def _page_arg(pages: int) -> int:
    return min(page_number(), pages)


def _template_or_404(template_id: int) -> PlanTemplate:
    template = db.session.get(PlanTemplate, template_id)
    if template is None:
        raise NotFound("模板不存在或已被删除。")
    return template


# ── templates ──────────────────────────────────────────────────────────────────────────────────
@bp.route("/templates")
@login_required
def templates():
    require(current_user, "plan.templates")
    return render_template("plans/templates.html", templates=queries.templates_page())


@bp.route("/templates/new", methods=["GET", "POST"])
@login_required
def template_new():
    require(current_user, "plan.templates")
    meetings = queries.meetings()
    form = TemplateSaveForm()
    form.meeting_id.choices = choices((m.id, m.name) for m in meetings)
    if request.method == "GET" and current_meeting() is not None:
        form.meeting_id.data = current_meeting().id
    if form.validate_on_submit():
        meeting = db.session.get(Meeting, form.meeting_id.data)
        try:
            template = services.save_template(current_user, meeting, name=form.name.data,
                                              description=form.description.data or "")
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
            return render_template("plans/template_new.html", form=form), error.status_code
        db.session.commit()
        flash(f"已保存模板「{template.name}」，共 {template.item_count} 项任务。", "success")
        return redirect(url_for("plans.template_detail", template_id=template.id))
    return render_template("plans/template_new.html", form=form), 400 if form.errors else 200


@bp.route("/templates/<int:template_id>")
@login_required
def template_detail(template_id: int):
    template = _template_or_404(template_id)
    require(current_user, "plan.templates", template)
    pages = max(1, math.ceil(template.item_count / TEMPLATE_ITEMS_PER_PAGE))
    page = _page_arg(pages)
    items = queries.template_items(template, (page - 1) * TEMPLATE_ITEMS_PER_PAGE, TEMPLATE_ITEMS_PER_PAGE)
    return render_template(
        "plans/template_detail.html", template=template, items=items, page=page, pages=pages,
        groups=queries.template_group_names(template), describe=deadlines.describe,
        describe_day=deadlines.describe_day,
        trail=history_for(db.session, template), delete_form=ConfirmForm())


@bp.route("/templates/<int:template_id>/delete", methods=["POST"])
@login_required
def template_delete(template_id: int):
    template = _template_or_404(template_id)
    require(current_user, "plan.templates", template)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = template.name
    services.delete_template(current_user, template)
    db.session.commit()
    flash(f"已删除模板「{name}」。", "success")
    return redirect(url_for("plans.templates"))


@bp.route("/templates/<int:template_id>/apply", methods=["GET", "POST"])
@login_required
def template_apply(template_id: int):
    template = _template_or_404(template_id)
    require(current_user, "plan.templates", template)
    meetings = queries.meetings()
    chosen = parse_id(request.values.get("meeting_id"))
    meeting = next((m for m in meetings if m.id == chosen), None) or current_meeting()
    if meeting is None:
        flash("还没有会议，请先创建会议。", "warning")
        return redirect(url_for("plans.template_detail", template_id=template.id))
    groups = queries.meeting_groups(meeting)
    group_counts = queries.template_group_names(template)
    names = [name for name, _count in group_counts]
    by_name = {g.name: g.id for g in groups}
    form = apply_form(names, groups, {name: by_name.get(name, 0) for name in names})
    form.meeting_id.choices = choices((m.id, m.name) for m in meetings)
    form.meeting_id.data = meeting.id
    existing = queries.task_count(meeting)
    context = {"template": template, "meeting": meeting, "meetings": meetings, "form": form, "existing": existing,
               "mapping": [(name, count, form[f"group_{i}"]) for i, (name, count) in enumerate(group_counts)]}
    if request.method == "POST" and form.validate():
        group_map = {name: form[f"group_{i}"].data for i, name in enumerate(names)}
        try:
            tasks = services.apply_template(current_user, template, meeting, group_map)
        except DomainError as error:
            db.session.rollback()
            return render_template("plans/template_apply.html", error=error.message, **context), error.status_code
        db.session.commit()
        flash(f"已按模板为「{meeting.name}」生成 {len(tasks)} 项任务，时间节点已按新的开幕时间推算。", "success")
        return redirect(url_for("plans.timeline", meeting=meeting.id))
    status = 400 if request.method == "POST" else 200
    return render_template("plans/template_apply.html", error=None, **context), status


# ── import ─────────────────────────────────────────────────────────────────────────────────────
@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    require(current_user, "plan.import")
    form = ImportUploadForm()
    form.meeting_id.choices = choices((m.id, m.name) for m in queries.meetings())
    if request.method == "GET" and current_meeting() is not None:
        form.meeting_id.data = current_meeting().id
    if form.validate_on_submit():
        meeting = db.session.get(Meeting, form.meeting_id.data)
        try:
            pending = services.start_import(current_user, meeting, form.file.data)
        except DomainError as error:
            db.session.rollback()
            form.file.errors.append(error.message)
            return render_template("plans/import_upload.html", form=form), error.status_code
        db.session.commit()
        return redirect(url_for("plans.import_preview", token=pending.token))
    return render_template("plans/import_upload.html", form=form), 400 if form.errors else 200


@bp.route("/import/template.xlsx")
@login_required
def import_template():
    require(current_user, "plan.import")
    data = importer.template_workbook(_meeting_arg())
    return Response(data, content_type=spreadsheets.XLSX_MIMETYPE, headers={
        "Content-Disposition": spreadsheets.content_disposition("任务导入模板.xlsx", "tasks-template")})


def _pending(token: str):
    """The upload behind the token, unless it was imported, discarded or has expired."""
    pending = queries.pending_import(token)
    if pending is None or pending.created_at < now() - services.PENDING_IMPORT_LIFETIME:
        return None
    return pending


def _spent():
    """An upload already imported or discarded (the browser's Back after 确认导入 returns to its preview; a second
    click on 确认导入) or expired: the upload page says so, rather than 页面不存在."""
    flash("这次上传已经导入、已放弃或已过期（上传后 24 小时内有效）。如需导入，请重新上传。", "info")
    return redirect(url_for("plans.import_upload"))


@bp.route("/import/<token>")
@login_required
def import_preview(token: str):
    require(current_user, "plan.import")
    pending = _pending(token)
    if pending is None:
        return _spent()
    try:
        preview = importer.parse_workbook(services.pending_data(pending), pending.meeting)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("plans.import_upload"))
    show = request.args.get("show", "all")
    rows = [row for row in preview.rows if show not in ("error", "warning", "new") or row.status == show]
    pages = max(1, math.ceil(len(rows) / PREVIEW_ROWS_PER_PAGE))
    page = _page_arg(pages)
    shown = rows[(page - 1) * PREVIEW_ROWS_PER_PAGE:page * PREVIEW_ROWS_PER_PAGE]
    return render_template("plans/import_preview.html", pending=pending, preview=preview, rows=shown, show=show,
                           page=page, pages=pages, filtered=len(rows), columns=importer.COLUMNS,
                           form=ConfirmForm())


@bp.route("/import/<token>/commit", methods=["POST"])
@login_required
def import_commit(token: str):
    require(current_user, "plan.import")
    pending = _pending(token)
    if pending is None:
        return _spent()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        tasks = services.commit_import(current_user, pending)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("plans.import_preview", token=token))
    db.session.commit()
    flash(f"已导入 {len(tasks)} 项任务。", "success")
    first_due = to_local(min(task.due_at for task in tasks))
    return redirect(url_for("plans.calendar", month=f"{first_due:%Y-%m}", meeting=tasks[0].meeting_id))


@bp.route("/import/<token>/discard", methods=["POST"])
@login_required
def import_discard(token: str):
    require(current_user, "plan.import")
    pending = _pending(token)
    if pending is None:
        return _spent()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.discard_import(pending)
    db.session.commit()
    flash("已放弃这次导入。", "info")
    return redirect(url_for("plans.import_upload"))


# ── calendar and timeline ─────────────────────────────────────────────────────────────────────
def _month_arg() -> dt.date:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", request.args.get("month", ""))
    if match and 2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12:
        return dt.date(int(match[1]), int(match[2]), 1)
    return local_now().date().replace(day=1)


def _meeting_arg() -> Meeting | None:
    """?meeting=<id> looks at another meeting (e.g. next year's, just planned from a template)."""
    wanted = arg_id("meeting")
    chosen = db.session.get(Meeting, wanted) if wanted else None
    return chosen or current_meeting()


def _group_arg(groups) -> int | None:
    wanted = arg_id("group")
    return wanted if any(g.id == wanted for g in groups) else None


@bp.route("/calendar")
@login_required
def calendar():
    require(current_user, "plan.calendar")
    meeting = _meeting_arg()
    if meeting is None:
        return render_template("plans/no_meeting.html", title="节点日历")
    month = _month_arg()
    groups = queries.meeting_groups(meeting)
    group_id = _group_arg(groups)
    weeks = queries.calendar_month(meeting, month, group_id, CALENDAR_TASKS_PER_DAY)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render_template("plans/calendar.html", meeting=meeting, month=month, weeks=weeks, groups=groups,
                           group_id=group_id, previous=previous, following=following, today=local_now().date(),
                           moment=now(), opening_month=to_local(meeting.opens_at).date().replace(day=1))


@bp.route("/calendar/<day>")
@login_required
def calendar_day(day: str):
    require(current_user, "plan.calendar")
    meeting = _meeting_arg()
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        date = None
    if meeting is None or date is None or not within(date):
        raise NotFound("没有这一天的节点。")
    groups = queries.meeting_groups(meeting)
    group_id = _group_arg(groups)
    total = queries.day_count(meeting, date, group_id)
    pages = max(1, math.ceil(total / DAY_TASKS_PER_PAGE))
    page = _page_arg(pages)
    tasks = queries.day_tasks(meeting, date, group_id, (page - 1) * DAY_TASKS_PER_PAGE, DAY_TASKS_PER_PAGE)
    return render_template("plans/calendar_day.html", meeting=meeting, day=date, tasks=tasks, total=total,
                           page=page, pages=pages, group_id=group_id, groups=groups, moment=now())


@bp.route("/timeline")
@login_required
def timeline():
    require(current_user, "plan.timeline")
    meeting = _meeting_arg()
    if meeting is None:
        return render_template("plans/no_meeting.html", title="时间轴")
    counts = queries.group_task_counts(meeting)
    groups = [group for group, _total in counts]
    group_id = _group_arg(groups) or next(
        (g.id for g in groups if g.id in current_user.group_ids), groups[0].id if groups else None)
    total = next((n for g, n in counts if g.id == group_id), 0)
    pages = max(1, math.ceil(total / gantt.PAGE_SIZE))
    page = _page_arg(pages)

    def chart():
        tasks = queries.timeline_tasks(group_id, (page - 1) * gantt.PAGE_SIZE, gantt.PAGE_SIZE)
        links = queries.hand_offs([t.id for t in tasks])
        return gantt.layout(tasks, links, now(), meeting.opens_at) if tasks else None

    # the chart is the page's cost and the same for every reader: drawn once per data version (cached_fragment,
    # its today line and overdue bars at most CACHE_MAX_AGE_SECONDS old), its tasks loaded only when drawn
    return render_template("plans/timeline.html", meeting=meeting, counts=counts, group_id=group_id, total=total,
                           page=page, pages=pages, timeline_chart=chart, page_size=gantt.PAGE_SIZE)


# ── personal calendar feed ────────────────────────────────────────────────────────────────────
@bp.route("/ical")
@login_required
def ical_settings():
    require(current_user, "plan.ical")
    feed_url = absolute(url_for("plans.ical_feed", token=current_user.ical_token)) \
        if current_user.ical_token else None
    return render_template("plans/ical.html", feed_url=feed_url, form=ConfirmForm())


@bp.route("/ical/regenerate", methods=["POST"])
@login_required
def ical_regenerate():
    require(current_user, "plan.ical")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.regenerate_ical_token(current_user)
    db.session.commit()
    flash("已生成新的订阅地址；之前的地址已失效，请在手机或电脑日历中改用新地址。", "success")
    return redirect(url_for("plans.ical_settings"))


@bp.route("/ical/revoke", methods=["POST"])
@login_required
def ical_revoke():
    require(current_user, "plan.ical")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke_ical_token(current_user)
    db.session.commit()
    flash("已停用日历订阅地址。", "info")
    return redirect(url_for("plans.ical_settings"))


@bp.route("/ical/<token>.ics")
def ical_feed(token: str):
    """No login: the unguessable address is the credential. Unknown or revoked → a plain 404."""
    user = queries.feed_owner(token)
    if user is None or not can(user, "plan.ical"):
        return Response("日历订阅地址无效或已停用。\n", status=404, mimetype="text/plain")
    body = feed.deadline_calendar(user, queries.open_tasks_of(user.id))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="meetingprep.ics"', "Cache-Control": "private, max-age=300"})
