"""会议材料: the secretariat's list and publishing, a member's reading (watermarked, receipted), the receipts
with one-click reminders, 我的材料, and 会议简报.

Views load (404), check the permission (403), validate, call one service, commit, redirect. Reading is a GET
that writes its receipt (and a download its audit entry) in a ``writing`` block of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meetingprep import audit, timeutil
from meetingprep.attendance import queries as attendance_queries
from meetingprep.attendance.models import MemberProfile
from meetingprep.bounds import arg_id, page_number
from meetingprep.db import writing
from meetingprep.documents import queries as document_queries
from meetingprep.documents.official import official_docx
from meetingprep.documents.text import paragraphs
from meetingprep.errors import DomainError, NotFound
from meetingprep.extensions import db
from meetingprep.history import history_for
from meetingprep.materials import pages, queries, services
from meetingprep.materials.forms import (
    NONE_CHOICE,
    BriefingForm,
    MaterialEditForm,
    PublishForm,
    RemindForm,
    ReplaceForm,
    ScopeForm,
    WithdrawForm,
)
from meetingprep.materials.models import Audience, DownloadPolicy, Material, MaterialVersion, ReadState
from meetingprep.permissions import can, require
from meetingprep.uploads import KINDS, send_stored, stored_path
from meetingprep.web import meeting_or_404, render_form

bp = Blueprint("materials", __name__, url_prefix="/materials")

#: Copies of the watermark drawn over a page: enough to cover a 2560 × 1440 screen at its spacing.
WATERMARK_COPIES = 160


@bp.context_processor
def _globals():
    return {"ReadState": ReadState, "Audience": Audience}


def _material(material_id: int) -> Material:
    material = queries.material(material_id)
    if material is None:
        raise NotFound("这份材料不存在或已被删除。")
    return material


def _per_page() -> int:
    return current_app.config["PAGE_SIZE"]


# ── the secretariat's list ──────────────────────────────────────────────────────────────────────
@bp.route("/")
@login_required
def board():
    require(current_user, "material.board")
    meeting = meeting_or_404()
    sitting_id = arg_id("sitting")
    pagination = queries.board(meeting.id, sitting_id=sitting_id, page=page_number(), per_page=_per_page())
    return render_template("materials/board.html", meeting=meeting, pagination=pagination,
                           readings=queries.board_readings([m.id for m in pagination.items]),
                           sittings=queries.sitting_choices(meeting.id), sitting_id=sitting_id)


# ── publishing and scope ────────────────────────────────────────────────────────────────────────
def _fill_scope_choices(form: ScopeForm, meeting_id: int) -> None:
    form.sitting_id.choices = [("", "（不指定会次）"), *queries.sitting_choices(meeting_id)]
    form.group_ids.choices = queries.group_choices(meeting_id)


def _scope(form: ScopeForm) -> services.Scope:
    return services.Scope(audience=Audience(form.audience.data), sitting_id=form.sitting_id.data or None,
                          group_ids=form.group_ids.data or [], is_internal=bool(form.is_internal.data),
                          download=DownloadPolicy(form.download.data))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def publish():
    """Publish a 定稿 (``?document_id=`` chooses it) or an uploaded PDF to an audience (``?sitting=`` for a sitting)."""
    require(current_user, "material.manage")
    meeting = meeting_or_404()
    form = PublishForm()
    _fill_scope_choices(form, meeting.id)
    form.document_id.choices = [("", "（请选择）"), *queries.publishable_documents(meeting.id)]
    if not form.is_submitted():
        form.document_id.data, form.sitting_id.data = arg_id("document_id"), arg_id("sitting")
    if form.validate_on_submit():
        upload = form.source.data == "upload"
        data = services.PublishData(scope=_scope(form), title=form.title.data or "", note=form.note.data or "",
                                    document_id=None if upload else form.document_id.data or None,
                                    file=form.file.data if upload else None)
        try:
            material = services.publish(current_user, meeting, data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_form("materials/publish.html", form, error.status_code)
        db.session.commit()
        flash(f"已发布《{material.title}》，并通知了发放范围内的委员。", "success")
        return redirect(url_for(".receipts", material_id=material.id))
    return render_form("materials/publish.html", form)


@bp.route("/<int:material_id>/edit", methods=["GET", "POST"])
@login_required
def edit(material_id: int):
    material = _material(material_id)
    require(current_user, "material.manage", material)
    # a POST is judged on what it sends: a field left out must not keep the stored value
    form = MaterialEditForm(obj=material) if request.method == "GET" else MaterialEditForm()
    _fill_scope_choices(form, material.meeting_id)
    if not form.is_submitted():
        form.group_ids.data = material.group_ids
        form.audience.data, form.download.data = material.audience.value, material.download.value
    if form.validate_on_submit():
        try:
            services.update_scope(current_user, material, title=form.title.data, scope=_scope(form),
                                  version_id=form.version_id.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_form("materials/edit.html", form, error.status_code, material=_material(material_id))
        db.session.commit()
        flash("已保存发放范围。", "success")
        return redirect(url_for(".receipts", material_id=material.id))
    return render_form("materials/edit.html", form, material=material)


# ── reading ─────────────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Reader:
    """Who is reading, as the watermark names them: a member by name and member number, anyone else by
    name and account."""

    name: str
    number: str
    member: MemberProfile | None

    def watermark(self) -> pages.Watermark:
        moment = timeutil.to_local(timeutil.now()).strftime("%Y-%m-%d %H:%M")
        return pages.Watermark(text=f"{self.name} {self.number} {moment}",
                               latin=f"{self.number} {current_user.username} {moment}")


def _reader(material: Material) -> Reader:
    member = attendance_queries.profile_of_user(material.meeting_id, current_user.id)
    if member is not None:
        return Reader(member.name, member.member_no, member)
    return Reader(current_user.display_name, current_user.username, None)


def _render_reading(material: Material, version: MaterialVersion, *, reader: Reader, read_before=None):
    return render_template(
        "materials/read.html", material=material, version=version, reader=reader,
        mark=reader.watermark().text, copies=WATERMARK_COPIES, read_before=read_before,
        texts=paragraphs(queries.version_text(version)) if not version.is_pdf else [],
        may_download=can(current_user, "material.download", material),
        may_manage=can(current_user, "material.manage", material))


@bp.route("/<int:material_id>")
@login_required
def read(material_id: int):
    """The current version under the reader's watermark; a member's opening is recorded (阅读回执)."""
    material = _material(material_id)
    require(current_user, "material.view", material)
    version = material.current_version
    if version is None:
        raise NotFound("这份材料尚未发布（会议简报在定稿后自动发布）。")
    reader = _reader(material)
    read_before = None
    if reader.member is not None and services.takes_receipt(material, reader.member):
        with writing(db.session):
            read_before = services.record_reading(material, reader.member, current_user._get_current_object())
    return _render_reading(material, version, reader=reader, read_before=read_before)


@bp.route("/<int:material_id>/versions/<int:number>")
@login_required
def version(material_id: int, number: int):
    """An earlier version, as it was published: for the record (the secretariat)."""
    material = _material(material_id)
    require(current_user, "material.manage", material)
    found = queries.version(material.id, number)
    if found is None:
        raise NotFound("该版本不存在。")
    return _render_reading(material, found, reader=_reader(material))


@bp.route("/<int:material_id>/versions/<int:number>/pages/<int:page>")
@login_required
def page_image(material_id: int, number: int, page: int):
    """One page of a PDF as an image with the reader's watermark drawn into it."""
    material = _material(material_id)
    require(current_user, "material.view", material)
    found = queries.version(material.id, number)
    if found is None or not found.is_pdf:
        raise NotFound("该版本不存在。")
    if found.number != material.version_count:
        require(current_user, "material.manage", material)
    if not 1 <= page <= (found.page_count or 0):
        raise NotFound("该页不存在。")
    path = stored_path(found.stored_name)
    if not path.exists():
        raise NotFound("文件不存在或已被删除，请联系大会秘书处。")
    image = pages.watermarked_page(path, found.sha256, page, _reader(material).watermark())
    response = Response(image, mimetype="image/jpeg")
    response.headers["Content-Disposition"] = f'inline; filename="material-{material.id}-p{page}.jpg"'
    return response


@bp.route("/<int:material_id>/download")
@login_required
def download(material_id: int):
    """The current version as a file: the PDF, or a 定稿's text in the official Word layout. Recorded."""
    material = _material(material_id)
    require(current_user, "material.download", material)
    found = material.current_version
    if found is None:
        raise NotFound("这份材料尚未发布。")
    with writing(db.session):
        audit.record(db.session, "下载", material, actor=current_user, message=found.label)
    if found.is_pdf:
        name = found.original_name or f"{material.title}.pdf"
        return send_stored(found.stored_name, name, "pdf")
    data = official_docx(material.title, queries.version_text(found) or "")
    response = Response(data, mimetype=KINDS["docx"][1])
    filename = f"{material.title}（{found.label}）.docx"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"material-{material.id}.docx\"; filename*=UTF-8''{quote(filename, safe='')}")
    return response


# ── receipts, reminders, replacing, withdrawing ─────────────────────────────────────────────────
def _state_arg() -> ReadState | None:
    try:
        return ReadState(request.args.get("state", ""))
    except ValueError:
        return None


def _manage_page(material: Material, *, replace_form=None, withdraw_form=None, status: int = 200):
    state = _state_arg()
    briefing = queries.briefing_of(material.id)
    return render_template(
        "materials/receipts.html", material=material, reading=queries.readings([material.id])[material.id],
        rows=queries.receipt_rows(material, state=state, page=page_number(), per_page=_per_page()), state=state,
        versions=queries.versions_of(material.id), group_names=queries.group_names(material), briefing=briefing,
        remind_form=RemindForm(version_id=material.version_id), replace_form=replace_form or ReplaceForm(),
        withdraw_form=withdraw_form or WithdrawForm(), trail=history_for(db.session, material),
    ), status


@bp.route("/<int:material_id>/receipts")
@login_required
def receipts(material_id: int):
    """Who has read what: every member the material goes to, by state, and the one-click reminder."""
    material = _material(material_id)
    require(current_user, "material.manage", material)
    return _manage_page(material)


@bp.route("/<int:material_id>/remind", methods=["POST"])
@login_required
def remind(material_id: int):
    material = _material(material_id)
    require(current_user, "material.manage", material)
    form = RemindForm()
    try:
        count = services.remind_unread(current_user, material, form.version_id.data if form.validate() else None)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for(".receipts", material_id=material_id))
    db.session.commit()
    flash(f"已提醒 {count} 位尚未阅读的委员（站内通知，并按各人的设置发送邮件或群消息）。", "success")
    return redirect(url_for(".receipts", material_id=material_id))


@bp.route("/<int:material_id>/replace", methods=["POST"])
@login_required
def replace(material_id: int):
    material = _material(material_id)
    require(current_user, "material.manage", material)
    form = ReplaceForm()
    if form.validate_on_submit():
        try:
            found = services.replace_file(current_user, material, form.file.data, form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _manage_page(_material(material_id), replace_form=form, status=error.status_code)
        db.session.commit()
        flash(f"已发布{found.label}，并通知了发放范围内的委员。", "success")
        return redirect(url_for(".receipts", material_id=material_id))
    return _manage_page(material, replace_form=form, status=400)


@bp.route("/<int:material_id>/withdraw", methods=["POST"])
@login_required
def withdraw(material_id: int):
    material = _material(material_id)
    require(current_user, "material.manage", material)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(current_user, material, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _manage_page(_material(material_id), withdraw_form=form, status=error.status_code)
        db.session.commit()
        flash(f"已撤回《{material.title}》：委员不再看到它，阅读记录保留。", "success")
        return redirect(url_for(".receipts", material_id=material_id))
    return _manage_page(material, withdraw_form=form, status=400)


# ── a member's materials ────────────────────────────────────────────────────────────────────────
@bp.route("/mine")
@login_required
def mine():
    require(current_user, "material.mine")
    meeting = meeting_or_404()
    return render_template("materials/mine.html", meeting=meeting,
                           pagination=queries.my_materials(meeting.id, current_user.id, page=page_number(),
                                                           per_page=_per_page()))


# ── 会议简报 ────────────────────────────────────────────────────────────────────────────────────
@bp.route("/briefings")
@login_required
def briefings():
    require(current_user, "material.board")
    meeting = meeting_or_404()
    pagination = queries.briefings(meeting.id, page=page_number(), per_page=_per_page())
    return render_template("materials/briefings.html", meeting=meeting, pagination=pagination,
                           readings=queries.board_readings([b.material_id for b in pagination.items]),
                           next_number=services.next_briefing_number(meeting.id))


@bp.route("/briefings/new", methods=["GET", "POST"])
@login_required
def briefing_new():
    require(current_user, "material.manage")
    meeting = meeting_or_404()
    form = BriefingForm()
    _fill_scope_choices(form, meeting.id)
    form.drafter_ids.choices = document_queries.drafter_choices()
    form.template_id.choices = [("", "（请选择）"), *(tuple(row) for row in document_queries.template_choices())]
    form.group_id.choices = [NONE_CHOICE, *(tuple(row) for row in document_queries.board_choices(meeting.id)
                                            ["groups"])]
    if form.validate_on_submit():
        data = services.BriefingData(scope=_scope(form), drafter_ids=form.drafter_ids.data,
                                     template_id=form.template_id.data or None, headline=form.headline.data or "",
                                     group_id=form.group_id.data or None, due_on=form.due_on.data)
        try:
            briefing = services.create_briefing(current_user, meeting, data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_form("materials/briefing_form.html", form, error.status_code,
                               next_number=services.next_briefing_number(meeting.id))
        db.session.commit()
        flash(f"已创建会议简报第{briefing.number}期，并通知了起草人；定稿后自动发布给选定的委员。", "success")
        return redirect(url_for("documents.detail", document_id=briefing.document_id))
    return render_form("materials/briefing_form.html", form, next_number=services.next_briefing_number(meeting.id))
