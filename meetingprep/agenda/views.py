"""Agenda pages: a sitting's agenda, a 大会发言 item's order (arrange, print), a speaker's own slots."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from meetingprep import timeutil
from meetingprep.agenda import queries, services
from meetingprep.agenda import schedule as schedule_module
from meetingprep.agenda.forms import AgendaItemForm, MoveForm, SpeechAddForm, SpeechSlotForm
from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot
from meetingprep.attendance import queries as attendance_queries
from meetingprep.attendance.models import Sitting
from meetingprep.documents.models import Document
from meetingprep.errors import DomainError, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.permissions import require
from meetingprep.web import current_meeting, meeting_or_404, render_form

bp = Blueprint("agenda", __name__, url_prefix="/agenda")


def _sitting(sitting_id: int) -> Sitting:
    sitting = db.session.get(Sitting, sitting_id)
    if sitting is None:
        raise NotFound("该会次不存在或已被删除。")
    return sitting


def _item(item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("该议程不存在或已被删除。")
    return item


def _slot(slot_id: int) -> SpeechSlot:
    slot = queries.slot_or_none(slot_id)
    if slot is None:
        raise NotFound("该发言安排不存在或已被移出。")
    return slot


def _speeches_item(item_id: int) -> AgendaItem:
    item = queries.item_with_order(item_id)
    if item is None or not item.has_speeches:
        raise NotFound("该议程不存在，或不是“大会发言”议程。")
    return item


# ── a sitting's agenda ─────────────────────────────────────────────────────────────────────────
@bp.route("/")
@login_required
def index():
    require(current_user, "agenda.view")
    meeting = meeting_or_404()
    return render_template("agenda/index.html", meeting=meeting, sittings=queries.sittings_of(meeting.id),
                           counts=queries.item_counts(meeting.id))


def _item_form(item: AgendaItem | None, sitting: Sitting) -> AgendaItemForm:
    form = AgendaItemForm(obj=item)
    form.presiding_user_id.choices = [("", "（不关联账号）"), *queries.presiding_choices()]
    form.discussion_group_id.choices = [("", "（全体，不分组）"), *queries.group_choices(sitting.meeting_id)]
    if not form.is_submitted():
        form.starts_at.data = timeutil.to_local(item.starts_at if item else sitting.starts_at).replace(tzinfo=None)
    return form


def _item_data(form: AgendaItemForm) -> services.ItemData:
    return services.ItemData(starts_at=timeutil.from_local(form.starts_at.data), kind=AgendaItemKind(form.kind.data),
                             title=form.title.data or "", room=form.room.data or "",
                             presiding_name=form.presiding_name.data or "",
                             presiding_user_id=form.presiding_user_id.data or None,
                             discussion_group_id=form.discussion_group_id.data or None)


@bp.route("/sittings/<int:sitting_id>")
@login_required
def sitting(sitting_id: int):
    """The agenda, and (for the secretariat) the form that adds an item at its end."""
    sitting = _sitting(sitting_id)
    require(current_user, "agenda.view")
    return _agenda_page(sitting, _item_form(None, sitting))


@bp.route("/sittings/<int:sitting_id>/items", methods=["POST"])
@login_required
def item_new(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "agenda.manage")
    form = _item_form(None, sitting)
    if form.validate():
        try:
            item = services.add_item(current_user, sitting, _item_data(form))
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _agenda_page(sitting, form, error.status_code)
        db.session.commit()
        flash(f"已添加议程“{item.title}”。", "success")
        return redirect(url_for(".sitting", sitting_id=sitting.id))
    return _agenda_page(sitting, form)


def _agenda_page(sitting: Sitting, form: AgendaItemForm, status: int | None = None):
    items = queries.agenda_of(sitting.id)
    orders = {item.id: queries.speech_order(item) for item in items if item.has_speeches}
    return render_form("agenda/sitting.html", form, status, sitting=sitting, items=items, orders=orders)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def item_edit(item_id: int):
    item = _item(item_id)
    require(current_user, "agenda.manage")
    sitting = _sitting(item.sitting_id)
    form = _item_form(item, sitting)
    if form.validate_on_submit():
        try:
            services.update_item(current_user, item, _item_data(form), form.version_id.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_form("agenda/item_form.html", form, error.status_code, item=item, sitting=sitting)
        db.session.commit()
        flash(f"已保存议程“{item.title}”。", "success")
        return redirect(url_for(".sitting", sitting_id=sitting.id))
    return render_form("agenda/item_form.html", form, item=item, sitting=sitting)


@bp.route("/items/<int:item_id>/move", methods=["POST"])
@login_required
def item_move(item_id: int):
    item = _item(item_id)
    require(current_user, "agenda.manage")
    form = MoveForm()
    if not form.validate():
        raise ValidationFailed("请选择上移或下移。")
    services.move_item(current_user, item, form.direction.data)
    db.session.commit()
    return redirect(url_for(".sitting", sitting_id=item.sitting_id))


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@login_required
def item_delete(item_id: int):
    item = _item(item_id)
    require(current_user, "agenda.manage")
    sitting_id, title = item.sitting_id, item.title
    services.delete_item(current_user, item)
    db.session.commit()
    flash(f"已删除议程“{title}”。", "success")
    return redirect(url_for(".sitting", sitting_id=sitting_id))


# ── the 大会发言 order ─────────────────────────────────────────────────────────────────────────
def _add_form(item: AgendaItem) -> SpeechAddForm:
    form = SpeechAddForm()
    form.document_id.choices = [(d.id, f"《{d.title}》" + (f" · {d.submitter.display_name}" if d.submitter else ""))
                                for d in queries.eligible_speeches(item.meeting_id)]
    if not form.is_submitted():
        form.minutes.data = services.DEFAULT_ORAL_MINUTES
    return form


@bp.route("/items/<int:item_id>/speeches")
@login_required
def speeches(item_id: int):
    item = _speeches_item(item_id)
    require(current_user, "agenda.view")
    return _speeches_page(item, _add_form(item))


@bp.route("/items/<int:item_id>/speeches/add", methods=["POST"])
@login_required
def speech_add(item_id: int):
    item = _speeches_item(item_id)
    require(current_user, "agenda.manage")
    form = _add_form(item)
    if form.validate():
        document = db.session.get(Document, form.document_id.data)
        try:
            if document is None:
                raise ValidationFailed("请选择定稿的发言稿。")
            services.add_speech(current_user, item, document, mode=SpeechMode(form.mode.data),
                                minutes=form.minutes.data, speaker=form.speaker.data or "")
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _speeches_page(_speeches_item(item_id), form, error.status_code)
        db.session.commit()
        flash(f"已将《{document.title}》排入{SpeechMode(form.mode.data).label}。", "success")
        return redirect(url_for(".speeches", item_id=item.id))
    return _speeches_page(item, form)


def _speeches_page(item: AgendaItem, form: SpeechAddForm, status: int | None = None):
    return render_form("agenda/speeches.html", form, status, item=item, sitting=_sitting(item.sitting_id),
                       order=queries.speech_order(item))


@bp.route("/items/<int:item_id>/speeches/print")
@login_required
def speeches_print(item_id: int):
    """The official 大会发言顺序: only speeches at 定稿, numbered; A4. Its speakers read it too."""
    item = _speeches_item(item_id)
    require(current_user, "agenda.view_order", item)
    return render_template("agenda/speeches_print.html", item=item, sitting=_sitting(item.sitting_id),
                           order=queries.speech_order(item))


@bp.route("/slots/<int:slot_id>/edit", methods=["GET", "POST"])
@login_required
def slot_edit(slot_id: int):
    slot = _slot(slot_id)
    require(current_user, "agenda.manage")
    form = SpeechSlotForm(obj=slot)
    if form.validate_on_submit():
        try:
            services.update_speech(current_user, slot, mode=SpeechMode(form.mode.data), minutes=form.minutes.data,
                                   speaker=form.speaker.data or "", version_id=form.version_id.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_form("agenda/slot_form.html", form, error.status_code, slot=_slot(slot_id))
        db.session.commit()
        flash("已保存发言安排。", "success")
        return redirect(url_for(".speeches", item_id=slot.item_id))
    return render_form("agenda/slot_form.html", form, slot=slot)


@bp.route("/slots/<int:slot_id>/move", methods=["POST"])
@login_required
def slot_move(slot_id: int):
    slot = _slot(slot_id)
    require(current_user, "agenda.manage")
    form = MoveForm()
    if not form.validate():
        raise ValidationFailed("请选择上移或下移。")
    services.move_speech(current_user, slot, form.direction.data)
    db.session.commit()
    return redirect(url_for(".speeches", item_id=slot.item_id))


@bp.route("/slots/<int:slot_id>/remove", methods=["POST"])
@login_required
def slot_remove(slot_id: int):
    slot = _slot(slot_id)
    require(current_user, "agenda.manage")
    item_id, title = slot.item_id, slot.document.title
    services.remove_speech(current_user, slot)
    db.session.commit()
    flash(f"已将《{title}》移出发言安排。", "success")
    return redirect(url_for(".speeches", item_id=item_id))


# ── a member's schedule ────────────────────────────────────────────────────────────────────────
@bp.route("/schedule")
@login_required
def schedule():
    """我的日程: the member's sittings day by day — room, seat area, agenda items, speaking slot, what to bring."""
    require(current_user, "agenda.schedule")
    meeting = current_meeting()
    member = attendance_queries.profile_of_user(meeting.id, current_user.id) if meeting is not None else None
    moment = timeutil.now()
    return render_template("agenda/schedule.html", meeting=meeting, member=member, moment=moment,
                           days=schedule_module.schedule_of(member) if member is not None else [])


# ── a speaker's own slots ──────────────────────────────────────────────────────────────────────
@bp.route("/mine")
@login_required
def mine():
    require(current_user, "agenda.mine")
    slots = queries.slots_of_speaker(current_user.id)
    orders = {item_id: queries.speech_order(queries.item_with_order(item_id))
              for item_id in {slot.item_id for slot in slots}}
    numbers = {o.slot.id: o for order in orders.values() for o in order.oral}
    return render_template("agenda/mine.html", slots=slots, numbers=numbers,
                           sittings=queries.sittings_by_id(slot.item.sitting_id for slot in slots))
