"""领导批示 and 督办 over HTTP: written, acknowledged and answered on the task and document pages (the panel
``templates/instructions/_panel.html``, drawn there through the ``instruction_panel`` template global), marked
督办 on the task page, and listed under 批示督办.

Views load (404), check the permission (403), validate, call one service, commit and go back to the object's
page. A refused form is shown again on that page with its input and the reason (status 400/403/409).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep.bounds import page_number
from meetingprep.documents import views as document_views
from meetingprep.documents.models import Document
from meetingprep.errors import DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.instructions import queries, services
from meetingprep.instructions.forms import InstructionForm, ReplyForm, SuperviseForm
from meetingprep.instructions.models import Instruction
from meetingprep.permissions import Role, can, require, sees_all_instructions
from meetingprep.tasks.models import Task
from meetingprep.web import meeting_or_404

bp = Blueprint("instructions", __name__, url_prefix="/instructions")
# A refused form on a document page draws that page here: with the names its templates expect.
bp.context_processor(document_views._globals)

#: ``g`` key of a form refused on the object's page: the panel shows it again with the input kept.
_REFUSED = "instruction_refused_form"


@dataclass
class Panel:
    """What the 领导批示 panel of one task or document page draws."""

    kind: str  # "task" | "document"
    target_id: int
    instructions: list[Instruction]
    may_write: bool
    write_form: InstructionForm
    reply_forms: dict[int, ReplyForm] = field(default_factory=dict)
    supervision: queries.SupervisionRow | None = None
    may_supervise: bool = False
    supervise_form: SuperviseForm | None = None


@bp.app_template_global("instruction_panel")
def instruction_panel(target: Task | Document) -> Panel:
    """The panel's data for the object's page: its instructions with receipts and replies, the forms the viewer
    may use (a refused one kept), and for a task its 督办."""
    is_task = isinstance(target, Task)
    refused = g.get(_REFUSED)
    instructions = queries.instructions_on(task_id=target.id) if is_task else \
        queries.instructions_on(document_id=target.id)
    panel = Panel(kind="task" if is_task else "document", target_id=target.id, instructions=instructions,
                  may_write=can(current_user, "instruction.write", target),
                  write_form=refused[1] if refused and refused[0] == "write" else InstructionForm(formdata=None))
    for instruction in instructions:
        if can(current_user, "instruction.answer", instruction):
            mine = refused and refused[0] == ("reply", instruction.id)
            panel.reply_forms[instruction.id] = refused[1] if mine else ReplyForm(formdata=None,
                                                                                   prefix=f"r{instruction.id}")
    if is_task:
        panel.supervision = queries.supervision_row(target.id)
        panel.may_supervise = can(current_user, "task.supervise", target)
        if panel.may_supervise:
            form = refused[1] if refused and refused[0] == "supervise" else SuperviseForm(formdata=None)
            _leader_choices(form)
            if form.leader_id.data is None:
                form.leader_id.data = panel.supervision.leader_id if panel.supervision else (
                    current_user.id if current_user.role == Role.LEADER else None)
            panel.supervise_form = form
    return panel


def _leader_choices(form: SuperviseForm) -> None:
    form.leader_id.choices = [("", "请选择督办领导"), *services.leader_choices()]


# ── loading ─────────────────────────────────────────────────────────────────────────────────────
def _task(task_id: int) -> Task:
    from meetingprep.tasks.queries import task_for_page

    task = task_for_page(task_id)
    if task is None:
        raise NotFound("该任务不存在或已被删除。")
    require(current_user, "task.view", task)
    return task


def _document(document_id: int) -> Document:
    from meetingprep.documents.services import get_document_or_404

    document = get_document_or_404(document_id)
    require(current_user, "document.view", document)
    return document


def _target_of(instruction: Instruction) -> Task | Document:
    return _task(instruction.task_id) if instruction.task_id is not None else _document(instruction.document_id)


def _back(target: Task | Document, anchor: str = "instructions"):
    if isinstance(target, Task):
        return redirect(url_for("tasks.detail", task_id=target.id, _anchor=anchor))
    return redirect(url_for("documents.detail", document_id=target.id, _anchor=anchor))


def _refuse(target: Task | Document, which, form, status: int):
    """The object's page again, with the refused form and its input (and the reason among its errors)."""
    db.session.rollback()
    g.setdefault(_REFUSED, (which, form))
    if isinstance(target, Task):
        from meetingprep.tasks.views import _render_detail as render_task

        return render_task(_task(target.id), status)
    return document_views._render_detail(_document(target.id), status=status)


def _instruction(instruction_id: int) -> Instruction:
    instruction = queries.instruction_for_action(instruction_id)
    if instruction is None:
        raise NotFound("该批示不存在或已被删除。")
    return instruction


# ── 批示 ─────────────────────────────────────────────────────────────────────────────────────────
def _write(target: Task | Document):
    require(current_user, "instruction.write", target)
    form = InstructionForm()
    if not form.validate_on_submit():
        return _refuse(target, "write", form, 400)
    try:
        instruction = services.write_instruction(current_user, target, form.body.data)
    except DomainError as error:
        form.body.errors = [*form.body.errors, error.message]
        return _refuse(target, "write", form, error.status_code)
    db.session.commit()
    flash("批示已送达责任人和组长，他们签阅和报告办理情况后会通知您。", "success")
    return _back(target, f"instruction-{instruction.id}")


@bp.route("/tasks/<int:task_id>", methods=["POST"])
@login_required
def task_new(task_id: int):
    return _write(_task(task_id))


@bp.route("/documents/<int:document_id>", methods=["POST"])
@login_required
def document_new(document_id: int):
    return _write(_document(document_id))


@bp.route("/<int:instruction_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(instruction_id: int):
    instruction = _instruction(instruction_id)
    target = _target_of(instruction)
    require(current_user, "instruction.answer", instruction)
    services.acknowledge(current_user, instruction, target)
    db.session.commit()
    flash("已阅。请及时报告办理情况。", "success")
    return _back(target, f"instruction-{instruction.id}")


@bp.route("/<int:instruction_id>/reply", methods=["POST"])
@login_required
def reply(instruction_id: int):
    instruction = _instruction(instruction_id)
    target = _target_of(instruction)
    require(current_user, "instruction.answer", instruction)
    form = ReplyForm(prefix=f"r{instruction.id}")
    if not form.validate_on_submit():
        return _refuse(target, ("reply", instruction.id), form, 400)
    try:
        services.reply(current_user, instruction, target, form.body.data)
    except DomainError as error:
        form.body.errors = [*form.body.errors, error.message]
        return _refuse(target, ("reply", instruction.id), form, error.status_code)
    db.session.commit()
    flash("办理情况已报告批示领导。", "success")
    return _back(target, f"instruction-{instruction.id}")


# ── 督办 ─────────────────────────────────────────────────────────────────────────────────────────
@bp.route("/tasks/<int:task_id>/supervise", methods=["POST"])
@login_required
def supervise(task_id: int):
    task = _task(task_id)
    require(current_user, "task.supervise", task)
    form = SuperviseForm()
    _leader_choices(form)
    if not form.validate_on_submit():
        return _refuse(task, "supervise", form, 400)
    try:
        services.supervise(current_user, task, leader_id=form.leader_id.data, note=form.note.data or "")
    except DomainError as error:
        form.leader_id.errors = [*form.leader_id.errors, error.message]
        return _refuse(task, "supervise", form, error.status_code)
    db.session.commit()
    flash("已列为督办任务：它在驾驶舱风险清单中置顶，提醒同时发给督办领导，办结后报告督办领导。", "success")
    return _back(task, "supervision")


@bp.route("/tasks/<int:task_id>/unsupervise", methods=["POST"])
@login_required
def unsupervise(task_id: int):
    task = _task(task_id)
    require(current_user, "task.supervise", task)
    services.unsupervise(current_user, task)
    db.session.commit()
    flash("已取消督办。", "success")
    return _back(task, "supervision")


# ── 批示督办: the list ──────────────────────────────────────────────────────────────────────────
@bp.route("/")
@login_required
def index():
    require(current_user, "instruction.list")
    meeting = meeting_or_404()
    sees_all = sees_all_instructions(current_user)
    filt = queries.ListFilter(mine=sees_all and request.args.get("mine") == "1",
                              pending=request.args.get("pending") == "1", page=page_number())
    pagination = queries.listing(meeting.id, current_user.id, sees_all=sees_all, filt=filt)
    return render_template("instructions/index.html", meeting=meeting, pagination=pagination, filt=filt,
                           sees_all=sees_all, titles=queries.titles_of(pagination.items))
