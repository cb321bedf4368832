"""材料审核: the board, 待我审核, document pages, versions, diff, decisions, 审签单, speeches, configuration.

Views load (404), check the permission (403), validate, call one service, commit, redirect. A refused
action is shown with its reason and the user's input kept; an upload refused never leaves a file.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep.bounds import arg_id, page_number
from meetingprep.documents import official, queries, services
from meetingprep.documents.forms import (
    NONE_CHOICE,
    AssignForm,
    CommentForm,
    DecisionForm,
    DocumentEditForm,
    DocumentForm,
    DocumentTypeForm,
    ReopenForm,
    SpeechForm,
    StageForm,
    TemplateForm,
    VersionForm,
    none_if_zero,
)
from meetingprep.documents.models import Document, DocumentType, PipelineTemplate
from meetingprep.documents.queries import BoardFilters
from meetingprep.documents.states import STATUS_BADGES, VERSION_ACTIONS, Decision, DocumentStatus
from meetingprep.documents.text import COMPARABLE_KINDS, compare
from meetingprep.errors import DomainError, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.history import history_for
from meetingprep.meetings import closure
from meetingprep.opinions.queries import counts_of_document, paragraph_counts
from meetingprep.permissions import Role, can, require
from meetingprep.timeutil import now
from meetingprep.uploads import KINDS, send_stored
from meetingprep.web import meeting_or_404

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.app_context_processor
def _document_names():
    """The names documents/_macros.html reads, on every page: its tables are drawn outside this blueprint too
    (the secretariat's 工作台 lists 待我审核), where they were undefined and the page a 500."""
    return {"STATUS_BADGES": STATUS_BADGES, "DocumentStatus": DocumentStatus}


@bp.context_processor
def _globals():
    return {"moment": now()}


def _document(document_id: int) -> Document:
    document = services.get_document_or_404(document_id)
    require(current_user, "document.view", document)
    return document


def _per_page() -> int:
    return current_app.config["PAGE_SIZE"]


def _refused(error: DomainError, template_name: str, **context):
    """Undo the unit of work (uploaded files included) and show the form again with the reason."""
    db.session.rollback()
    form = context.get("form")
    if form is not None:
        form.form_errors.append(error.message)
    return render_template(template_name, **context), error.status_code


# ── lists ───────────────────────────────────────────────────────────────────────────────────────
@bp.route("/")
@login_required
def board():
    require(current_user, "document.board")
    meeting = meeting_or_404()
    try:
        status = DocumentStatus(request.args.get("status", ""))
    except ValueError:
        status = None
    filters = BoardFilters(type_id=arg_id("type"), status=status, stage=request.args.get("stage") or None,
                           group_id=arg_id("group"), overdue=request.args.get("overdue") == "1", page=page_number())
    pagination = queries.board(meeting.id, filters, _per_page())
    return render_template("documents/board.html", meeting=meeting, pagination=pagination, filters=filters,
                           choices=queries.board_choices(meeting.id), counts=queries.status_counts(meeting.id))


@bp.route("/queue")
@login_required
def queue():
    require(current_user, "document.queue")
    pagination = queries.review_queue(current_user.id, page_number(), _per_page())
    return render_template("documents/queue.html", pagination=pagination)


@bp.route("/speeches/mine")
@login_required
def my_speeches():
    require(current_user, "speech.submit")
    pagination = queries.my_speeches(current_user.id, page_number(), _per_page())
    return render_template("documents/my_speeches.html", pagination=pagination)


@bp.route("/speeches/new", methods=["GET", "POST"])
@login_required
def submit_speech():
    require(current_user, "speech.submit")
    meeting = meeting_or_404()
    form = SpeechForm()
    if form.validate_on_submit():
        try:
            document = services.submit_speech(current_user, meeting, title=form.title.data, file=form.file.data,
                                              text=form.text.data, note=form.note.data)
        except DomainError as error:
            return _refused(error, "documents/speech_form.html", form=form)
        db.session.commit()
        flash("发言稿已提交，大会秘书处将安排审核。", "success")
        return redirect(url_for(".detail", document_id=document.id))
    return render_template("documents/speech_form.html", form=form), 400 if form.errors else 200


# ── creating and editing documents ──────────────────────────────────────────────────────────────
def _fill_document_choices(form: DocumentForm, meeting_id: int) -> None:
    choices = queries.board_choices(meeting_id)
    form.type_id.choices = [tuple(row) for row in choices["types"]]
    form.group_id.choices = [NONE_CHOICE, *(tuple(row) for row in choices["groups"])]
    form.drafter_ids.choices = queries.drafter_choices()
    if form.template_id is not None:
        form.template_id.choices = [tuple(row) for row in queries.template_choices()]


def _document_data(form: DocumentForm) -> services.DocumentData:
    return services.DocumentData(
        title=form.title.data, type_id=form.type_id.data, drafter_ids=form.drafter_ids.data,
        group_id=none_if_zero(form.group_id.data), due_on=form.due_on.data,
        template_id=form.template_id.data if form.template_id is not None else None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    require(current_user, "document.create")
    meeting = meeting_or_404()
    form = DocumentForm()
    _fill_document_choices(form, meeting.id)
    if form.validate_on_submit():
        try:
            document = services.create_document(current_user, meeting, _document_data(form))
        except DomainError as error:
            return _refused(error, "documents/document_form.html", form=form, document=None)
        db.session.commit()
        flash(f"已创建《{document.title}》，并通知了起草人。", "success")
        return redirect(url_for(".detail", document_id=document.id))
    return render_template("documents/document_form.html", form=form, document=None), 400 if form.errors else 200


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(document_id: int):
    document = services.get_document_or_404(document_id)
    require(current_user, "document.edit", document)
    form = DocumentEditForm(obj=document) if request.method == "GET" else DocumentEditForm()
    if request.method == "GET":
        form.drafter_ids.data = [d.user_id for d in document.drafters]
        form.group_id.data = document.group_id or 0
    _fill_document_choices(form, document.meeting_id)
    if form.validate_on_submit():
        try:
            services.update_document(current_user, document, _document_data(form), form.version_id.data)
        except DomainError as error:
            return _refused(error, "documents/document_form.html", form=form, document=document)
        db.session.commit()
        flash("已保存。", "success")
        return redirect(url_for(".detail", document_id=document.id))
    return render_template("documents/document_form.html", form=form, document=document), \
        400 if form.errors else 200


# ── the document page ───────────────────────────────────────────────────────────────────────────
def _render_detail(document: Document, *, decision_form=None, comment_form=None, status: int = 200):
    current = document.current_version
    current_text = None
    if current is not None and current.kind in COMPARABLE_KINDS:
        current_text = queries.version_with_text(document.id, current.number).text_content
    if decision_form is None:
        decision_form = DecisionForm(version_number=current.number if current else "")
    can_see_internal = can(current_user, "document.see_internal")
    comments = queries.comments_of(document.id, include_internal=can_see_internal)
    thread = sorted([(d.at, "decision", d) for s in document.stages for d in s.decisions if d.comment or d.quote]
                    + [(c.created_at, "comment", c) for c in comments], key=lambda item: item[0])
    opinions = counts_of_document(document)
    waiting_on_me = _waiting_on_me(document)
    paragraph_opinions = {}
    if opinions is not None and opinions.total and current_text is not None and can(current_user, "opinion.view"):
        paragraph_opinions = paragraph_counts(document, current_text, current_app.config["DIFF_WORK_BUDGET"])
    return render_template(
        "documents/detail.html", document=document, versions=queries.versions_of(document.id), thread=thread,
        opinions=opinions, finalize_warning=_finalize_warning(document, opinions) if waiting_on_me else "",
        stage_names={s.id: s.name for s in document.stages},
        decision_form=decision_form, comment_form=comment_form or CommentForm(prefix="c"),
        current_text=current_text, paragraph_opinions=paragraph_opinions,
        may_add_version=document.status in VERSION_ACTIONS and can(current_user, "document.add_version", document),
        waiting_on_me=waiting_on_me, can_see_internal=can_see_internal,
        trail=history_for(db.session, document) if can(current_user, "audit.view") else [],
    ), status


def _finalize_warning(document: Document, opinions) -> str:
    """What the reviewer should know before their approval makes the document 定稿 (a warning, not a block)."""
    if opinions is None or not opinions.unanswered or not services.approval_finalizes(current_user, document):
        return ""
    return (f"您的通过将使本文件定稿，但还有 {opinions.unanswered} 条分组讨论意见未答复。"
            "建议先请起草组答复；如仍要定稿，请勾选下方确认后再提交。")


def _waiting_on_me(document: Document) -> bool:
    stage = document.current_stage
    return document.status == DocumentStatus.IN_REVIEW and stage is not None and \
        any(r.user_id == current_user.id for r in stage.pending_reviewers())


@bp.route("/<int:document_id>")
@login_required
def detail(document_id: int):
    return _render_detail(_document(document_id))


@bp.route("/<int:document_id>/decide", methods=["POST"])
@login_required
def decide(document_id: int):
    document = _document(document_id)
    services.ensure_may_decide(current_user, document)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_detail(document, decision_form=form, status=400)
    try:
        version_number = int(form.version_number.data)
    except (TypeError, ValueError):
        version_number = None
    if form.decision.data == Decision.APPROVE and not form.confirm_unanswered.data:
        warning = _finalize_warning(document, counts_of_document(document))
        if warning:
            form.confirm_unanswered.errors.append("请确认：尚有分组讨论意见未答复，仍然定稿。")
            return _render_detail(document, decision_form=form, status=409)
    try:
        services.decide(current_user, document, Decision(form.decision.data), comment=form.comment.data,
                        quote=form.quote.data, version_number=version_number)
    except DomainError as error:
        db.session.rollback()
        form.comment.errors.append(error.message)
        return _render_detail(services.get_document_or_404(document_id), decision_form=form,
                              status=error.status_code)
    db.session.commit()
    flash("已退回修改，并通知了起草人。" if form.decision.data == Decision.RETURN else "已审核通过。", "success")
    return redirect(url_for(".detail", document_id=document_id))


@bp.route("/<int:document_id>/comments", methods=["POST"])
@login_required
def comment(document_id: int):
    document = _document(document_id)
    require(current_user, "document.comment", document)
    form = CommentForm(prefix="c")
    if form.validate_on_submit():
        try:
            services.add_comment(current_user, document, body=form.body.data, quote=form.quote.data,
                                 is_internal=form.is_internal.data)
        except DomainError as error:
            db.session.rollback()
            form.body.errors.append(error.message)
            return _render_detail(services.get_document_or_404(document_id), comment_form=form,
                                  status=error.status_code)
        db.session.commit()
        flash("意见已发表。", "success")
        return redirect(url_for(".detail", document_id=document_id) + "#comments")
    return _render_detail(document, comment_form=form, status=400)


@bp.route("/<int:document_id>/versions/new", methods=["GET", "POST"])
@login_required
def add_version(document_id: int):
    document = _document(document_id)
    require(current_user, "document.add_version", document)
    if request.method == "GET":
        closure.ensure_open(document.meeting)  # archived: said before a file is chosen (an upload is refused anyway)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            version = services.add_version(current_user, document, file=form.file.data, text=form.text.data,
                                           note=form.note.data)
        except DomainError as error:
            db.session.rollback()  # first: reloading with the refused changes pending would flush them again
            return _refused(error, "documents/version_form.html", form=form,
                            document=services.get_document_or_404(document_id))
        db.session.commit()
        flash(f"已提交第{version.number}稿。", "success")
        return redirect(url_for(".detail", document_id=document_id))
    return render_template("documents/version_form.html", form=form, document=document), \
        400 if form.errors else 200


def _version(document: Document, number: int):
    version = queries.version_with_text(document.id, number)
    if version is None:
        raise NotFound("该版本不存在。")
    return version


def _version_arg(name: str) -> int | None:
    """?a= / ?b= of the diff: absent means the default pair; present, it must be a version number."""
    if name not in request.args:
        return None
    number = arg_id(name)
    if number is None:
        raise ValidationFailed("比对的版本号无效，请从版本列表中选择要比对的两个版本。")
    return number


@bp.route("/<int:document_id>/versions/<int:number>")
@login_required
def version(document_id: int, number: int):
    document = _document(document_id)
    return render_template("documents/version.html", document=document, version=_version(document, number))


@bp.route("/<int:document_id>/versions/<int:number>/download")
@login_required
def download(document_id: int, number: int):
    document = _document(document_id)
    found = _version(document, number)
    if not found.is_file:
        abort(404)
    return send_stored(found.stored_name, found.original_name, found.kind)


@bp.route("/<int:document_id>/final.docx")
@login_required
def final_docx(document_id: int):
    """The 定稿 as a Word file in the official layout (GB/T 9704), for whoever may read the document."""
    document = _document(document_id)
    data, filename = official.final_docx(document)
    response = Response(data, mimetype=KINDS["docx"][1])
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"document-{document.id}-final.docx\"; filename*=UTF-8''{quote(filename, safe='')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:document_id>/diff")
@login_required
def diff(document_id: int):
    """Side by side; ``view=paragraphs`` shows changed paragraphs without marking words."""
    document = _document(document_id)
    versions = queries.versions_of(document.id)
    if len(versions) < 2:
        raise NotFound("至少需要两个版本才能比对。")
    new_number = _version_arg("b") or versions[0].number
    old_number = _version_arg("a") or max(1, new_number - 1)
    old, new = _version(document, old_number), _version(document, new_number)
    paragraph_view = request.args.get("view") == "paragraphs"
    comparable = old.text_content is not None and new.text_content is not None
    comparison = None
    if comparable and old.number != new.number:
        comparison = compare(old.text_content, new.text_content, mark=not paragraph_view,
                             budget=current_app.config["DIFF_WORK_BUDGET"])
    # the same version twice: the page says so and offers the choice again, answered as a refused request
    return render_template("documents/diff.html", document=document, versions=versions, old=old, new=new,
                           comparable=comparable, comparison=comparison, paragraph_view=paragraph_view), \
        400 if old.number == new.number else 200


@bp.route("/<int:document_id>/record")
@login_required
def record(document_id: int):
    """审签单: every stage with its reviewers, decisions, times and comments, on one A4 page."""
    return render_template("documents/record.html", document=_document(document_id), printed_at=now())


@bp.route("/<int:document_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen(document_id: int):
    document = _document(document_id)
    require(current_user, "document.reopen", document)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            services.reopen(current_user, document, form.reason.data)
        except DomainError as error:
            db.session.rollback()  # first: reloading with the refused changes pending would flush them again
            return _refused(error, "documents/reopen.html", form=form,
                            document=services.get_document_or_404(document_id))
        db.session.commit()
        flash("定稿已重新打开，已通知起草人。", "success")
        return redirect(url_for(".detail", document_id=document_id))
    return render_template("documents/reopen.html", form=form, document=document), 400 if form.errors else 200


@bp.route("/<int:document_id>/assign", methods=["GET", "POST"])
@login_required
def assign(document_id: int):
    document = _document(document_id)
    require(current_user, "document.assign", document)
    form = AssignForm()
    form.template_id.choices = [tuple(row) for row in queries.template_choices()]
    form.group_id.choices = [NONE_CHOICE, *(tuple(row) for row in queries.board_choices(document.meeting_id)
                                            ["groups"])]
    if form.validate_on_submit():
        try:
            services.assign_pipeline(current_user, document, template_id=form.template_id.data,
                                     group_id=none_if_zero(form.group_id.data), due_on=form.due_on.data)
        except DomainError as error:
            db.session.rollback()  # first: reloading with the refused changes pending would flush them again
            return _refused(error, "documents/assign.html", form=form,
                            document=services.get_document_or_404(document_id))
        db.session.commit()
        flash("已排入审核流程，并通知了第一阶段的审核人。", "success")
        return redirect(url_for(".detail", document_id=document_id))
    return render_template("documents/assign.html", form=form, document=document), 400 if form.errors else 200


# ── configuration: pipeline templates and document types ───────────────────────────────────────
@bp.route("/pipelines")
@login_required
def templates():
    require(current_user, "document.configure")
    return render_template("documents/templates.html", templates=queries.templates())


BLANK_STAGE_ROWS = 2


def _template_form(template: PipelineTemplate | None) -> TemplateForm:
    """On GET: the template's stages followed by blank rows to add more (no JavaScript needed)."""
    if request.method == "POST":
        form = TemplateForm()
    else:
        stages = [{"name": stage.name, "reviewer_ids": [r.user_id for r in stage.reviewers],
                   "reviewer_role": stage.reviewer_role.value if stage.reviewer_role else "",
                   "rule": stage.rule.value, "required_count": stage.required_count,
                   "is_sequential": stage.is_sequential, "allowance_days": stage.allowance_days}
                  for stage in (template.stages if template else [])]
        stages += [{"allowance_days": 2} for _ in range(BLANK_STAGE_ROWS + (0 if template else 2))]
        form = TemplateForm(data={"name": template.name if template else "",
                                  "description": template.description if template else "",
                                  "version_id": template.version_id if template else "", "stages": stages})
    people = queries.reviewer_choices()
    for entry in form.stages:
        entry.form.reviewer_ids.choices = people
    return form


def _stage_data(form: TemplateForm) -> list[services.StageData]:
    """Rows left without a name and without reviewers are the spare blank rows: skipped."""
    stages = []
    for entry in form.stages:
        row: StageForm = entry.form
        if not row.name.data and not row.reviewer_ids.data and not row.reviewer_role.data:
            continue
        stages.append(services.StageData(
            name=row.name.data or "", reviewer_ids=row.reviewer_ids.data or [],
            reviewer_role=Role(row.reviewer_role.data) if row.reviewer_role.data else None,
            rule=services.ApprovalRule(row.rule.data), required_count=row.required_count.data,
            is_sequential=row.is_sequential.data, allowance_days=row.allowance_days.data or 0))
    return stages


def _save_template_view(template: PipelineTemplate | None):
    form = _template_form(template)
    if form.validate_on_submit():
        try:
            saved = services.save_template(current_user, template, name=form.name.data,
                                           description=form.description.data, stages=_stage_data(form),
                                           version_id=form.version_id.data)
        except DomainError as error:
            return _refused(error, "documents/template_form.html", form=form, template=template)
        db.session.commit()
        flash(f"审核流程“{saved.name}”已保存。已创建的文件不受影响。", "success")
        return redirect(url_for(".templates"))
    return render_template("documents/template_form.html", form=form, template=template), \
        400 if form.errors else 200


@bp.route("/pipelines/new", methods=["GET", "POST"])
@login_required
def template_new():
    require(current_user, "document.configure")
    return _save_template_view(None)


@bp.route("/pipelines/<int:template_id>/edit", methods=["GET", "POST"])
@login_required
def template_edit(template_id: int):
    require(current_user, "document.configure")
    template = queries.template_with_stages(template_id)
    if template is None:
        raise NotFound("该审核流程不存在。")
    return _save_template_view(template)


@bp.route("/types", methods=["GET", "POST"])
@login_required
def types():
    require(current_user, "document.configure")
    form = DocumentTypeForm()
    if form.validate_on_submit():
        try:
            services.save_document_type(current_user, None, name=form.name.data, sort_order=form.sort_order.data or 0)
        except DomainError as error:
            return _refused(error, "documents/types.html", form=form, types=queries.document_types())
        db.session.commit()
        flash("已添加材料类型。", "success")
        return redirect(url_for(".types"))
    return render_template("documents/types.html", form=form, types=queries.document_types()), \
        400 if form.errors else 200


@bp.route("/types/defaults", methods=["POST"])
@login_required
def type_defaults():
    require(current_user, "document.configure")
    services.ensure_default_types()
    db.session.commit()
    flash("已补齐默认材料类型。", "success")
    return redirect(url_for(".types"))


@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
@login_required
def type_edit(type_id: int):
    require(current_user, "document.configure")
    doc_type = db.get_or_404(DocumentType, type_id, description="该材料类型不存在。")
    form = DocumentTypeForm(obj=doc_type)
    if form.validate_on_submit():
        try:
            services.save_document_type(current_user, doc_type, name=form.name.data,
                                        sort_order=form.sort_order.data or 0, version_id=form.version_id.data)
        except DomainError as error:
            return _refused(error, "documents/type_form.html", form=form, doc_type=doc_type)
        db.session.commit()
        flash("已保存。", "success")
        return redirect(url_for(".types"))
    return render_template("documents/type_form.html", form=form, doc_type=doc_type), 400 if form.errors else 200
