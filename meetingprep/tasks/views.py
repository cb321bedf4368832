"""Task pages: 我的任务, 任务台账 (with export and bulk edit), the group board, the task page and forms."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from meetingprep.auth.views import safe_next
from meetingprep.errors import Conflict, DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.meetings import closure
from meetingprep.meetings.models import Meeting, Phase
from meetingprep.permissions import Role, can, require
from meetingprep.tasks import export, links, queries, services, workbench
from meetingprep.tasks.forms import BulkEditForm, CommentForm, HandOffForm, ProgressForm, TaskForm, TransitionForm
from meetingprep.tasks.models import HandOff, TaskAttachment
from meetingprep.tasks.states import (
    BOARD_COLUMNS,
    STATUS_COLOURS,
    TRANSITIONS,
    TaskAction,
    TaskStatus,
    available_actions,
)
from meetingprep.timeutil import now, to_local
from meetingprep.uploads import send_stored
from meetingprep.web import meeting_or_404

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
bp.record_once(lambda state: links.init_app(state.app))  # task_url and ledger_url for every template
bp.record_once(lambda state: state.app.jinja_env.globals.update(TaskStatus=TaskStatus))


@bp.before_request
@login_required
def _signed_in():
    """Every task page needs a login; members (委员) see no tasks at all."""
    require(current_user, "task.view")


def _task_or_404(task_id: int, *, for_update: bool = False):
    task = queries.task_for_update(task_id) if for_update else queries.task_for_page(task_id)
    if task is None:
        raise NotFound("该任务不存在或已被删除。")
    return task


@bp.app_template_global("group_task_summary")
def group_task_summary(group_id: int):
    """For templates/tasks/_group_board.html, included by the group page's ``group_tasks`` block."""
    return queries.group_summary(group_id)


# ── lists ───────────────────────────────────────────────────────────────────────────────────────
@bp.route("/mine")
def mine():
    meeting = meeting_or_404()
    leads = current_user.lead_group_ids if current_user.role == Role.GROUP_LEAD else frozenset()
    return render_template("tasks/mine.html", meeting=meeting, mine=queries.my_tasks(current_user, meeting.id),
                           to_accept=workbench.awaiting_acceptance(leads, meeting.id) if leads else None,
                           moment=now())


@bp.route("/")
def ledger():
    meeting = meeting_or_404()
    filt = queries.LedgerFilter.from_args(request.args)
    counts = queries.ledger_counts(meeting.id, filt)
    page = queries.ledger_page(meeting.id, filt, current_app.config["PAGE_SIZE"], counts)
    groups, members, owners = queries.ledger_pick_lists(meeting.id)
    involving_name = ""
    if filt.involving:
        involving_name = current_user.display_name if filt.involving == current_user.id else next(
            (label for uid, label in owners if uid == filt.involving), f"用户 #{filt.involving}")
    return render_template(
        "tasks/ledger.html", meeting=meeting, filt=filt, page=page, groups=groups, owners=owners,
        involving_name=involving_name, members=members,
        counts=counts, bulk_form=BulkEditForm(), moment=now(),
        statuses=TaskStatus, phases=Phase, colours=STATUS_COLOURS)


@bp.route("/export.<any(csv, xlsx):fmt>")
def export_ledger(fmt: str):
    meeting = meeting_or_404()
    require(current_user, "task.export")
    filt = queries.LedgerFilter.from_args(request.args)
    return export.respond(meeting, queries.export_rows(meeting.id, filt), fmt)


@bp.route("/bulk", methods=["POST"])
def bulk():
    require(current_user, "task.bulk_edit")
    form = BulkEditForm()
    back = safe_next(request.form.get("back") or url_for("tasks.ledger"))
    if not form.validate_on_submit():
        flash("批量修改的内容有误：" + "；".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(back)
    try:
        result = services.bulk_edit(current_user, form.task_ids.data, form.op.data, owner_id=form.owner_id.data,
                                    shift_days=form.shift_days.data,
                                    phase=Phase(form.phase.data) if form.phase.data in set(Phase) else None,
                                    reason=form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(back)
    db.session.commit()
    if result.changed:
        flash(f"已修改 {len(result.changed)} 项任务。", "success")
    for task, message in result.refused:
        flash(f"未修改「{task.title}」：{message}", "warning")
    return redirect(back)


@bp.route("/board/<int:group_id>")
def board(group_id: int):
    group = db.session.get(WorkingGroup, group_id)
    if group is None:
        raise NotFound("该工作组不存在。")
    columns, totals = queries.board(group.meeting_id, group.id)
    # the tabs for every group of the meeting are cached once drawn (cached_fragment): loaded only when drawn
    return render_template("tasks/board.html", group=group, columns=columns, totals=totals,
                           groups=lambda: queries.groups_of(group.meeting_id),
                           order=BOARD_COLUMNS, limit=queries.BOARD_CARDS_PER_COLUMN, moment=now())


# ── one task ────────────────────────────────────────────────────────────────────────────────────
def _render_detail(task, status: int = 200, *, transition_form=None, failed_action: str | None = None,
                   comment_form=None, progress_form=None, hand_off_form=None):
    page = queries.task_page(task)
    actions = [TRANSITIONS[a] for a in available_actions(task.status) if can(current_user, f"task.{a.value}", task)]
    hand_off_form = hand_off_form or HandOffForm()
    hand_off_q = (request.args.get("hand_off_q") or "").strip()[:100]
    if can(current_user, "task.hand_off", task):
        listed = queries.hand_off_candidates(task, hand_off_q)
        shown = {task_id for task_id, _label in listed}
        posted = [c for c in hand_off_form.predecessor_id.choices or () if c[0] not in shown]
        hand_off_form.predecessor_id.choices = posted + listed  # a refused choice stays selected
    progress_form = progress_form or ProgressForm(data={"progress": task.progress, "version_id": task.version_id})
    return render_template(
        "tasks/detail.html", task=task, page=page, actions=actions, transition_form=transition_form or TransitionForm(),
        failed_action=failed_action, comment_form=comment_form or CommentForm(), progress_form=progress_form,
        hand_off_form=hand_off_form, hand_off_q=hand_off_q, hand_off_limit=queries.HAND_OFF_CHOICES,
        waiting=page.waiting_on, moment=now()), status


@bp.route("/<int:task_id>")
def detail(task_id: int):
    return _render_detail(_task_or_404(task_id))


@bp.route("/<int:task_id>/transition/<action>", methods=["POST"])
def transition(task_id: int, action: str):
    task = _task_or_404(task_id)
    try:
        step = TRANSITIONS[TaskAction(action)]
    except ValueError as error:
        raise NotFound("没有这种任务操作。") from error
    require(current_user, step.permission, task)
    form = TransitionForm()
    if form.validate_on_submit():
        try:
            services.transition(current_user, task, step.action, note=form.note.data or "",
                                override_reason=form.override_reason.data or "",
                                evidence=request.files.getlist(form.evidence.name) if step.takes_evidence else ())
        except DomainError as error:
            db.session.rollback()
            task = _task_or_404(task_id)
            form.note.errors = [*form.note.errors, error.message]
            return _render_detail(task, error.status_code, transition_form=form, failed_action=step.action.value)
        db.session.commit()
        flash(f"已{step.action.label}：任务现为「{task.status.label}」。", "success")
        return redirect(url_for("tasks.detail", task_id=task.id))
    return _render_detail(task, 400, transition_form=form, failed_action=step.action.value)


@bp.route("/<int:task_id>/progress", methods=["POST"])
def progress(task_id: int):
    task = _task_or_404(task_id)
    require(current_user, "task.progress", task)
    form = ProgressForm()
    if form.validate_on_submit():
        try:
            services.update_progress(current_user, task, form.progress.data, form.version_id.data)
        except DomainError as error:
            db.session.rollback()
            form.progress.errors = [*form.progress.errors, error.message]
            return _render_detail(_task_or_404(task_id), error.status_code, progress_form=form)
        db.session.commit()
        flash(f"进度已更新为 {task.progress}%。", "success")
        return redirect(url_for("tasks.detail", task_id=task.id))
    return _render_detail(task, 400, progress_form=form)


@bp.route("/<int:task_id>/comments", methods=["POST"])
def comment(task_id: int):
    task = _task_or_404(task_id)
    require(current_user, "task.comment", task)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            created = services.add_comment(current_user, task, form.body.data, request.files.getlist(form.files.name))
        except DomainError as error:
            db.session.rollback()
            form.body.errors = [*form.body.errors, error.message]
            return _render_detail(_task_or_404(task_id), error.status_code, comment_form=form)
        db.session.commit()
        flash("留言已发布。", "success")
        return redirect(url_for("tasks.detail", task_id=task.id, _anchor=f"comment-{created.id}"))
    return _render_detail(task, 400, comment_form=form)


@bp.route("/<int:task_id>/attachments/<int:attachment_id>")
def attachment(task_id: int, attachment_id: int):
    task = _task_or_404(task_id)
    require(current_user, "task.view", task)
    file = db.session.get(TaskAttachment, attachment_id)
    if file is None or file.task_id != task.id:
        raise NotFound("附件不存在或已被删除。")
    return send_stored(file.stored_name, file.original_name, file.kind)


@bp.route("/<int:task_id>/hand-offs", methods=["POST"])
def add_hand_off(task_id: int):
    task = _task_or_404(task_id)
    require(current_user, "task.hand_off", task)
    form = HandOffForm()
    form.predecessor_id.choices = queries.hand_off_choice(task, form.predecessor_id.data)
    if form.validate_on_submit():
        predecessor = _task_or_404(form.predecessor_id.data, for_update=True)
        try:
            services.add_hand_off(current_user, predecessor, task)
        except DomainError as error:
            db.session.rollback()
            task = _task_or_404(task_id)
            form.predecessor_id.errors = [*form.predecessor_id.errors, error.message]
            return _render_detail(task, error.status_code, hand_off_form=form)
        db.session.commit()
        flash(f"已设置衔接：「{predecessor.title}」完成后本任务才能提交。", "success")
        return redirect(url_for("tasks.detail", task_id=task.id))
    return _render_detail(task, 400, hand_off_form=form)


@bp.route("/<int:task_id>/hand-off-candidates")
def hand_off_candidates(task_id: int):
    """The hand-off picker's search as you type (static/js/tasks.js); the page's ?hand_off_q= does the same."""
    task = _task_or_404(task_id, for_update=True)
    require(current_user, "task.hand_off", task)
    q = (request.args.get("q") or "").strip()[:100]
    items = [{"id": tid, "label": label} for tid, label in queries.hand_off_candidates(task, q)]
    return jsonify({"q": q, "items": items})


@bp.route("/<int:task_id>/hand-offs/<int:hand_off_id>/delete", methods=["POST"])
def remove_hand_off(task_id: int, hand_off_id: int):
    task = _task_or_404(task_id, for_update=True)
    require(current_user, "task.hand_off", task)
    hand_off = db.session.get(HandOff, hand_off_id)
    if hand_off is None:  # already removed (a second click, or someone else): the outcome the user wanted
        flash("该衔接已经取消。", "info")
        return redirect(url_for("tasks.detail", task_id=task.id))
    if task.id not in (hand_off.predecessor_id, hand_off.successor_id):
        raise NotFound("该衔接不属于这项任务。")
    services.remove_hand_off(current_user, hand_off)
    db.session.commit()
    flash("已取消衔接。", "success")
    return redirect(url_for("tasks.detail", task_id=task.id))


# The hand-off routes' former addresses (…/dependencies, …/link-candidates): a page opened before they were
# renamed still posts there. 308 keeps the method and the form, so the request lands as it was meant; only
# those who may manage the task's hand-offs are sent on (others learn nothing from the answer).
def _former_hand_off_route(task_id: int, endpoint: str, **values):
    require(current_user, "task.hand_off", _task_or_404(task_id))
    return redirect(url_for(endpoint, task_id=task_id, **values), 308)


@bp.route("/<int:task_id>/dependencies", methods=["POST"])
def former_add_hand_off(task_id: int):
    return _former_hand_off_route(task_id, "tasks.add_hand_off")


@bp.route("/<int:task_id>/dependencies/<int:hand_off_id>/delete", methods=["POST"])
def former_remove_hand_off(task_id: int, hand_off_id: int):
    hand_off = db.session.get(HandOff, hand_off_id)
    if hand_off is not None and task_id not in (hand_off.predecessor_id, hand_off.successor_id):
        raise NotFound("该衔接不属于这项任务。")
    return _former_hand_off_route(task_id, "tasks.remove_hand_off", hand_off_id=hand_off_id)


@bp.route("/<int:task_id>/link-candidates")
def former_hand_off_candidates(task_id: int):
    return _former_hand_off_route(task_id, "tasks.hand_off_candidates", **request.args)


# ── forms ───────────────────────────────────────────────────────────────────────────────────────
def _prepare(form: TaskForm, meeting) -> None:
    groups = [g for g in queries.groups_of(meeting.id) if can(current_user, "task.create", g)]
    allowed = {g.id for g in groups}
    # Placeholders first: nothing is chosen for the person (the owner used to default to the first listed).
    form.group_id.choices = [("", "请选择责任组"), *((g.id, g.name) for g in groups)]
    members = [(uid, label, gid) for gid, uid, label in queries.group_members(meeting.id) if gid in allowed]
    form.owner_id.choices = [("", "请选择责任人（先选责任组）"), *((uid, label) for uid, label, _gid in members)]
    form.owner_groups = sorted({(gid, uid) for uid, _label, gid in members})
    form.coworker_ids.choices = queries.active_workers()
    # what the pick lists show depends on the data and on the groups this user may assign to: with the data
    # version, the key under which an empty form's owner list and 协办人 checkboxes are drawn once (cached_fragment)
    form.pick_lists_key = (meeting.id, *sorted(allowed))


def _render_form(form: TaskForm, meeting, task=None, status: int = 200):
    return render_template("tasks/form.html", form=form, meeting=meeting, task=task), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(current_user, "task.create")
    meeting = meeting_or_404()
    form = TaskForm()
    _prepare(form, meeting)
    if request.method == "GET":
        form.group_id.data = queries.parse_int(request.args.get("group"))
    if form.validate_on_submit():
        try:
            task = services.create_task(current_user, meeting, form.to_data())
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _render_form(form, meeting, status=error.status_code)
        db.session.commit()
        flash(f"已创建任务「{task.title}」，并通知了责任人。", "success")
        return redirect(url_for("tasks.detail", task_id=task.id))
    return _render_form(form, meeting, status=400 if form.is_submitted() else 200)


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
def edit(task_id: int):
    task = _task_or_404(task_id, for_update=True)
    require(current_user, "task.edit", task)
    meeting = db.session.get(Meeting, task.meeting_id)
    form = TaskForm(obj=task) if request.method == "GET" else TaskForm()
    _prepare(form, meeting)
    if request.method == "GET":
        closure.ensure_open(meeting)  # archived: said before anything is typed (a save is refused anyway)
        form.fill_from(task)
        form.phase.data, form.priority.data = task.phase.value, task.priority.value
        form.due_at.data = to_local(task.due_at).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            services.update_task(current_user, task, form.to_data(), form.version_id.data)
        except (DomainError, StaleDataError) as error:  # StaleDataError: lost a race past the version check
            db.session.rollback()
            error = error if isinstance(error, DomainError) else Conflict()
            form.form_errors.append(error.message)
            return _render_form(form, meeting, _task_or_404(task_id), status=error.status_code)
        db.session.commit()
        flash("任务已保存。", "success")
        return redirect(url_for("tasks.detail", task_id=task.id))
    return _render_form(form, meeting, task, status=400 if form.is_submitted() else 200)
