"""分组讨论意见: the reports under discussion, a report's opinions per paragraph, recording, answering, the
意见采纳情况 report (page and .xlsx), a discussion group's opinions, a member's own, the recorders."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep import spreadsheets as spreadsheets_module
from meetingprep import timeutil
from meetingprep.attendance.models import DiscussionGroup
from meetingprep.attendance.queries import profile_of_user
from meetingprep.bounds import arg_id
from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.models import Document
from meetingprep.documents.text import paragraphs
from meetingprep.errors import DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.forms import BaseForm
from meetingprep.opinions import queries, services, spreadsheets
from meetingprep.opinions.forms import WHOLE_DOCUMENT, AnswerForm, OpinionCorrectForm, OpinionForm, RecorderForm
from meetingprep.opinions.models import RESPONSE_RULES
from meetingprep.opinions.scope import recorder_groups_of
from meetingprep.permissions import can, require
from meetingprep.web import meeting_or_404, page_number, render_form

bp = Blueprint("opinions", __name__, url_prefix="/opinions")
PARAGRAPH_CHOICE_CHARS = 40
DOCUMENTS_PER_PAGE = 50


def _document(document_id: int) -> Document:
    """A report the discussions review (404 for any other document: it has no opinions page)."""
    document = document_services.get_document_or_404(document_id)
    if document.type.code not in queries.DISCUSSED_TYPES:
        raise NotFound("该材料不是分组讨论审议的报告，没有分组讨论意见。")
    return document


def _opinion(opinion_id: int):
    opinion = queries.opinion_or_none(opinion_id)
    if opinion is None:
        raise NotFound("该意见不存在或已被删除。")
    return opinion


def _current_text(document: Document) -> str | None:
    version = document.current_version
    if version is None:
        return None
    return document_queries.version_with_text(document.id, version.number).text_content


def _view(document: Document):
    text = _current_text(document)
    return queries.by_paragraph(document, text, queries.opinions_of(document.id),
                                current_app.config["DIFF_WORK_BUDGET"])


# ── lists ───────────────────────────────────────────────────────────────────────────────────────
@bp.route("/")
@login_required
def index():
    require(current_user, "opinion.view")
    meeting = meeting_or_404()
    pagination, counts = queries.discussed_page(meeting.id, page=page_number(), per_page=DOCUMENTS_PER_PAGE)
    return render_template("opinions/index.html", meeting=meeting, pagination=pagination, counts=counts,
                           groups=queries.group_counts(meeting.id))


@bp.route("/groups/<int:group_id>")
@login_required
def group(group_id: int):
    """What one discussion group said and how each opinion was answered: read by the group's own members
    and recorders too (``opinion.group_view``)."""
    discussion_group = db.session.get(DiscussionGroup, group_id)
    if discussion_group is None:
        raise NotFound("该讨论组不存在。")
    require(current_user, "opinion.group_view", discussion_group)
    pagination = queries.opinions_page(discussion_group.meeting_id, group_id=group_id, page=page_number())
    return render_template("opinions/group.html", group=discussion_group, pagination=pagination)


@bp.route("/mine")
@login_required
def mine():
    """A member's own opinions and the answers: what they said was heard."""
    require(current_user, "opinion.own")
    meeting = meeting_or_404()
    member = profile_of_user(meeting.id, current_user.id)
    pagination = queries.opinions_page(meeting.id, member_id=member.id, page=page_number()) \
        if member is not None else None
    return render_template("opinions/mine.html", member=member, pagination=pagination)


# ── a report's opinions ─────────────────────────────────────────────────────────────────────────
@bp.route("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    document = _document(document_id)
    require(current_user, "opinion.view")
    return render_template("opinions/document.html", document=document, view=_view(document),
                           refusal=services.accepts_opinions(document),
                           may_answer=can(current_user, "opinion.answer", document))


def _opinion_form(document: Document, form: OpinionForm | None = None) -> OpinionForm:
    form = form or OpinionForm()
    scope = None if can(current_user, "opinion.record_any") else recorder_groups_of(current_user)
    groups = queries.recordable_groups(document.meeting_id, scope)
    form.discussion_group_id.choices = groups
    form.member_id.choices = [("", "（请选择）"), *queries.member_choices(document.meeting_id,
                                                                      [group_id for group_id, _ in groups])]
    lines = paragraphs(_current_text(document))
    form.paragraph_number.choices = [WHOLE_DOCUMENT, *(
        (number, f"第{number}段：{line[:PARAGRAPH_CHOICE_CHARS]}{'…' if len(line) > PARAGRAPH_CHOICE_CHARS else ''}")
        for number, line in enumerate(lines, start=1))]
    return form


@bp.route("/documents/<int:document_id>/new", methods=["GET", "POST"])
@login_required
def record(document_id: int):
    document = _document(document_id)
    require(current_user, "opinion.record")
    form = _opinion_form(document)
    if request.method == "GET":
        form.discussion_group_id.data = arg_id("group")  # the group just recorded for: several in a row
    status = None
    if form.validate_on_submit():
        try:
            opinion = services.record_opinion(
                current_user, document, group_id=form.discussion_group_id.data, member_id=form.member_id.data,
                paragraph_number=form.paragraph_number.data, body=form.body.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = error.status_code
            document = _document(document_id)
        else:
            db.session.commit()
            flash(f"已记录{opinion.member_name}委员的意见（{opinion.paragraph_label}）。", "success")
            return redirect(url_for(".record", document_id=document_id, group=opinion.discussion_group_id))
    return render_form("opinions/record.html", form, status, document=document,
                       refusal=services.accepts_opinions(document))


@bp.route("/<int:opinion_id>/edit", methods=["GET", "POST"])
@login_required
def correct(opinion_id: int):
    """The recorder corrects the opinion's text while it is unanswered (the service says why not after)."""
    opinion = _opinion(opinion_id)
    document = _document(opinion.document_id)
    require(current_user, "opinion.correct", opinion)
    form = OpinionCorrectForm() if request.method == "POST" else OpinionCorrectForm(
        data={"body": opinion.body, "version_id": opinion.version_id})
    status = None
    if form.validate_on_submit():
        try:
            services.correct_opinion(current_user, opinion, body=form.body.data, version_id=form.version_id.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = error.status_code
            opinion = queries.opinion_or_none(opinion_id)
        else:
            db.session.commit()
            flash(f"已更正{opinion.member_name}委员的意见。", "success")
            return redirect(url_for(".document", document_id=document.id) + f"#opinion-{opinion.id}")
    return render_form("opinions/correct.html", form, status, opinion=opinion, document=document)


@bp.route("/<int:opinion_id>/answer", methods=["GET", "POST"])
@login_required
def answer(opinion_id: int):
    opinion = _opinion(opinion_id)
    document = _document(opinion.document_id)
    require(current_user, "opinion.answer", document)
    form = AnswerForm() if request.method == "POST" else AnswerForm(data={
        "response": opinion.response.value if opinion.response else None, "note": opinion.response_note,
        "version_id": opinion.version_id,
        "version_number": opinion.response_version.number if opinion.response_version else 0})
    form.version_number.choices = [(0, "（不选版本）"), *queries.later_versions(document.id, opinion.doc_version_id)]
    status = None
    if form.validate_on_submit():
        try:
            services.answer_opinion(current_user, opinion, document, response=form.response.data,
                                    note=form.note.data, version_number=form.version_number.data,
                                    version_id=form.version_id.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = error.status_code
            opinion = queries.opinion_or_none(opinion_id)
        else:
            db.session.commit()
            flash(f"已答复{opinion.member_name}委员的意见：{opinion.response.label}。", "success")
            return redirect(url_for(".document", document_id=document.id) + f"#opinion-{opinion.id}")
    return render_form("opinions/answer.html", form, status, opinion=opinion, document=document,
                       rules=RESPONSE_RULES)


# ── the 意见采纳情况 report ───────────────────────────────────────────────────────────────────────
@bp.route("/documents/<int:document_id>/report")
@login_required
def report(document_id: int):
    document = _document(document_id)
    require(current_user, "opinion.view")
    view = _view(document)
    return render_template("opinions/report.html", document=document, view=view,
                           rows=spreadsheets.report_rows(view), printed_at=timeutil.now())


@bp.route("/documents/<int:document_id>/report.xlsx")
@login_required
def report_xlsx(document_id: int):
    document = _document(document_id)
    require(current_user, "opinion.view")
    data = spreadsheets.report_workbook(document.title, _view(document))
    response = Response(data, content_type=spreadsheets_module.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = spreadsheets_module.content_disposition(
        f"意见采纳情况-{document.title[:40]}-{spreadsheets_module.stamp()}.xlsx", "opinions")
    return response


# ── recorders ───────────────────────────────────────────────────────────────────────────────────
@bp.route("/recorders", methods=["GET", "POST"])
@login_required
def recorders():
    require(current_user, "opinion.recorders")
    meeting = meeting_or_404()
    form = RecorderForm()
    form.discussion_group_id.choices = queries.recordable_groups(meeting.id, None)
    form.user_id.choices = [("", "（请选择）"), *queries.staff_choices()]
    status = None
    if form.validate_on_submit():
        try:
            recorder = services.add_recorder(current_user, meeting.id, group_id=form.discussion_group_id.data,
                                             user_id=form.user_id.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = error.status_code
        else:
            db.session.commit()
            flash("已指定记录员。", "success")
            return redirect(url_for(".recorders", _anchor=f"recorder-{recorder.id}"))
    return render_form("opinions/recorders.html", form, status, recorders=queries.recorders_of(meeting.id))


@bp.route("/recorders/<int:recorder_id>/remove", methods=["POST"])
@login_required
def recorder_remove(recorder_id: int):
    require(current_user, "opinion.recorders")
    recorder = queries.recorder_or_none(recorder_id)
    if recorder is None:
        raise NotFound("该记录员安排不存在或已被取消。")
    form = BaseForm()
    if form.validate_on_submit():
        services.remove_recorder(current_user, recorder)
        db.session.commit()
        flash("已取消该记录员。其录入的意见保留。", "success")
    return redirect(url_for(".recorders"))

