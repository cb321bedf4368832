"""Attendance pages: roster, sittings, check-in desks, QR self check-in, leave, figures."""

from __future__ import annotations

import functools
import re

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from meetingprep import spreadsheets as spreadsheets_module
from meetingprep import timeutil
from meetingprep.attendance import queries, services, spreadsheets
from meetingprep.attendance.forms import (
    BulkCheckInForm,
    CorrectionForm,
    DeskCheckInForm,
    DutyForm,
    FollowUpResolveForm,
    LeaveApproversForm,
    LeaveDecisionForm,
    LeaveRequestForm,
    MemberForm,
    MissingRemindForm,
    RosterImportForm,
    SittingForm,
)
from meetingprep.attendance.models import (
    CheckinDuty,
    CheckInMethod,
    FollowUpOutcome,
    LeaveStatus,
    MemberProfile,
    RollStatus,
    Sitting,
    shown_status,
)
from meetingprep.auth.models import User
from meetingprep.bounds import arg_id, arg_int
from meetingprep.db import commit_then_read
from meetingprep.errors import Conflict, DomainError, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.history import history_for
from meetingprep.permissions import Role, can, require
from meetingprep.uploads import read_upload
from meetingprep.web import meeting_or_404, page_number, render_form

bp = Blueprint("attendance", __name__, url_prefix="/attendance")


# ── loading helpers ─────────────────────────────────────────────────────────────────────────────

def _sitting(sitting_id: int) -> Sitting:
    sitting = db.session.get(Sitting, sitting_id)
    if sitting is None:
        raise NotFound("该会次不存在或已被删除。")
    return sitting


def _member(member_id: int) -> MemberProfile:
    member = db.session.get(MemberProfile, member_id)
    if member is None:
        raise NotFound("名册中没有这位委员。")
    return member


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _xlsx(data: bytes, filename: str, fallback: str) -> Response:
    response = Response(data, content_type=spreadsheets_module.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = spreadsheets_module.content_disposition(filename, fallback)
    return response


def _local(value):
    return timeutil.from_local(value) if value is not None else None


# ── overview ────────────────────────────────────────────────────────────────────────────────────
@bp.route("/")
@login_required
def index():
    require(current_user, "attendance.view")
    meeting = meeting_or_404()
    moment = timeutil.now()
    sittings = queries.sittings_of(meeting.id)
    counts = queries.counts_of(sittings)
    return render_template(
        "attendance/index.html", meeting=meeting, sittings=sittings,
        counts=counts, registration=queries.registration_counts(meeting.id),
        overall=queries.begun_total(sittings, counts, moment), moment=moment, formula=queries.RATE_FORMULA,
        pending=queries.leave_count(meeting.id, LeaveStatus.PENDING),
        opens_before=services.checkin_opens_before())


# ── roster ──────────────────────────────────────────────────────────────────────────────────────
@bp.route("/roster")
@login_required
def roster():
    require(current_user, "attendance.view")
    meeting = meeting_or_404()
    q = request.args.get("q", "").strip()[:40]
    pagination = queries.roster_page(meeting.id, q=q, page=page_number())
    return render_template("attendance/roster.html", meeting=meeting, q=q, pagination=pagination,
                           registered=queries.registered_at([m.id for m in pagination.items]))


@bp.route("/roster/template.xlsx")
@login_required
def roster_template():
    require(current_user, "attendance.manage")
    return _xlsx(spreadsheets.roster_workbook(title="委员名册导入模板"), "委员名册模板.xlsx", "roster-template")


@bp.route("/roster/export.xlsx")
@login_required
def roster_export():
    require(current_user, "attendance.view")
    meeting = meeting_or_404()
    return _xlsx(spreadsheets.roster_workbook(queries.all_members(meeting.id), f"{meeting.display_name}委员名册",
                                              personal=can(current_user, "attendance.member.personal")),
                 f"{meeting.display_name}委员名册-{spreadsheets_module.stamp()}.xlsx", "roster")


@bp.route("/roster/import", methods=["GET", "POST"])
@login_required
def roster_import():
    require(current_user, "attendance.manage")
    meeting = meeting_or_404()
    form = RosterImportForm()
    if form.validate_on_submit():
        try:
            data, _kind = read_upload(form.file.data, allowed={"xlsx"})
            result = services.import_roster(current_user, meeting, data)
        except services.RosterImportFailed as error:
            db.session.rollback()
            return render_template("attendance/roster_import.html", form=form, message=error.message,
                                   row_errors=error.errors), 400
        except DomainError as error:
            form.file.errors.append(error.message)
            return render_template("attendance/roster_import.html", form=form), error.status_code
        db.session.commit()
        flash(f"导入完成：新增 {result.created} 人，更新 {result.updated} 人。", "success")
        for warning in result.warnings:
            flash(f"第 {warning.row} 行：{warning.message}", "warning")
        return redirect(url_for(".roster"))
    return render_form("attendance/roster_import.html", form)


def _member_fields(form: MemberForm) -> dict:
    return {name: form[name].data for name in ("member_no", "name", "sector", "committee", "group",
                                                "is_standing", "unit", "position", "phone", "seat_area", "username")}


@bp.route("/members/new", methods=["GET", "POST"])
@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def member_edit(member_id: int | None = None):
    require(current_user, "attendance.manage")
    meeting = meeting_or_404()
    member = None
    if member_id is not None:
        member = db.session.scalar(queries.member_for_edit(member_id))
        if member is None:
            raise NotFound("名册中没有这位委员。")
    form = MemberForm(obj=member)
    if member is not None and request.method == "GET":
        form.group.data = member.discussion_group.name if member.discussion_group else ""
        form.username.data = member.user.username if member.user else ""
    if form.validate_on_submit():
        try:
            member = services.save_member(current_user, meeting, _member_fields(form), member=member,
                                          version_id=form.version_id.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template("attendance/member_form.html", form=form, member=member), error.status_code
        db.session.commit()
        flash(f"已保存委员 {member.name}。", "success")
        return redirect(url_for(".member_detail", member_id=member.id))
    return render_form("attendance/member_form.html", form, member=member)


@bp.route("/members/<int:member_id>")
@login_required
def member_detail(member_id: int):
    member = db.session.scalar(queries.member_for_edit(member_id))
    if member is None:
        raise NotFound("名册中没有这位委员。")
    require(current_user, "attendance.member.view", member)
    # the history records phone numbers: only for those who may see them
    return _member_page(member, "attendance/member_detail.html",
                        with_trail=can(current_user, "attendance.member.personal", member))


def _member_page(member: MemberProfile, template: str, *, with_trail: bool = False):
    moment = timeutil.now()
    rows, _total = queries.counts_by_member(member.meeting_id, moment, member_id=member.id)
    return render_template(
        template, member=member, rows=queries.member_status_rows(member), moment=moment,
        counts=rows[0][1] if rows else queries.Counts(), formula=queries.RATE_FORMULA,
        leaves=queries.leave_requests(member.meeting_id, member_id=member.id, per_page=20).items,
        registration=queries.registration_of(member.id),
        trail=history_for(db.session, member) if with_trail else [])


@bp.route("/members/<int:member_id>/delete", methods=["POST"])
@login_required
def member_delete(member_id: int):
    member = _member(member_id)
    require(current_user, "attendance.manage")
    name = member.name
    services.remove_member(current_user, member)
    db.session.commit()
    flash(f"已将 {name} 移出名册。已结束签到的会次名单不受影响。", "success")
    return redirect(url_for(".roster"))


@bp.route("/members/<int:member_id>/card")
@login_required
def member_card(member_id: int):
    """报到表 / registration card with the member's personal check-in QR code, for printing."""
    member = db.session.scalar(queries.member_for_edit(member_id))
    if member is None:
        raise NotFound("名册中没有这位委员。")
    require(current_user, "attendance.member.card", member)
    return render_template("attendance/member_card.html", member=member, meeting=meeting_or_404(),
                           qr_svg=qr_svg(member))


def qr_svg(member: MemberProfile, *, fit: bool = False) -> str:
    """The personal check-in link as an inline SVG QR code (absolute URL: phones scan it). ``fit``: without
    a fixed size, so that it takes the width its box gives it (a phone screen); printed cards keep theirs."""
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("attendance.qr", token=services.qr_token(member))
    return _qr_svg_of(link, fit)


@functools.lru_cache(maxsize=1024)
def _qr_svg_of(link: str, fit: bool) -> str:
    """Drawing a QR code is most of a member's home page: the same link always draws the same picture, so a
    worker keeps the latest ones (a reissued code is a new link)."""
    return segno.make(link, error="m").svg_inline(scale=4, title="签到二维码", omitsize=fit,
                                                  svgclass="qr-code-image" if fit else "segno")


@bp.route("/roster/cards")
@login_required
def roster_cards():
    """Registration cards (报到表) of a page of the roster, in member-number order, for printing."""
    require(current_user, "attendance.manage")
    meeting = meeting_or_404()
    q = request.args.get("q", "").strip()[:40]
    pagination = queries.roster_page(meeting.id, q=q, page=page_number(), per_page=20)
    return render_template("attendance/roster_cards.html", meeting=meeting, pagination=pagination, q=q,
                           cards=[(member, qr_svg(member)) for member in pagination.items])


@bp.route("/roster/cards/print")
@login_required
def roster_cards_print():
    """Every registration card of the roster (or of a search) on one page: one print job, two cards a sheet."""
    require(current_user, "attendance.manage")
    meeting = meeting_or_404()
    q = request.args.get("q", "").strip()[:40]
    members = queries.roster_page(meeting.id, q=q, page=1, per_page=spreadsheets.MAX_ROWS).items
    return render_template("attendance/roster_cards_print.html", meeting=meeting, q=q,
                           cards=[(member, qr_svg(member)) for member in members])


@bp.route("/members/<int:member_id>/qr/reissue", methods=["POST"])
@login_required
def member_reissue_qr(member_id: int):
    member = _member(member_id)
    require(current_user, "attendance.manage")
    services.reissue_qr(current_user, member)
    db.session.commit()
    flash(f"{member.name} 的旧签到码已作废，请重新打印报到表。", "success")
    return redirect(url_for(".member_card", member_id=member.id))


@bp.route("/me")
@login_required
def me():
    require(current_user, "attendance.own")
    meeting = meeting_or_404()
    member = queries.profile_of_user(meeting.id, current_user.id)
    if member is None:
        return render_template("attendance/me.html", member=None)
    return _member_page(member, "attendance/me.html")


# ── sittings ────────────────────────────────────────────────────────────────────────────────────
def _sitting_form_choices(form: SittingForm, meeting) -> None:
    form.group_ids.choices = [(g.id, g.name) for g in queries.groups_of(meeting.id)]


@bp.route("/sittings/new", methods=["GET", "POST"])
@bp.route("/sittings/<int:sitting_id>/edit", methods=["GET", "POST"])
@login_required
def sitting_edit(sitting_id: int | None = None):
    require(current_user, "attendance.manage")
    meeting = meeting_or_404()
    sitting = queries.sitting_with_expectation(sitting_id) if sitting_id is not None else None
    if sitting_id is not None and sitting is None:
        raise NotFound("该会次不存在或已被删除。")
    form = SittingForm(obj=sitting)
    _sitting_form_choices(form, meeting)
    if request.method == "GET":
        if sitting is None:
            form.late_grace_minutes.data = current_app.config["ATTENDANCE_LATE_GRACE_MINUTES"]
        else:
            form.starts_at.data = timeutil.to_local(sitting.starts_at).replace(tzinfo=None)
            form.ends_at.data = timeutil.to_local(sitting.ends_at).replace(tzinfo=None)
            form.group_ids.data = [g.group_id for g in sitting.expected_groups]
            form.member_numbers.data = ", ".join(queries.member_numbers_of(sitting))
    if form.validate_on_submit():
        fields = {"kind": form.kind.data, "name": form.name.data, "venue": form.venue.data,
                  "starts_at": _local(form.starts_at.data), "ends_at": _local(form.ends_at.data),
                  "expectation": form.expectation.data, "late_grace_minutes": form.late_grace_minutes.data,
                  "seated": form.seated.data, "bring_note": form.bring_note.data or ""}
        try:
            sitting = services.save_sitting(
                current_user, meeting, fields, group_ids=form.group_ids.data or [],
                member_numbers=re.split(r"[\s,，、;；]+", form.member_numbers.data or ""),
                sitting=sitting, version_id=form.version_id.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template("attendance/sitting_form.html", form=form, sitting=sitting), error.status_code
        db.session.commit()
        flash(f"已保存会次“{sitting.name}”。", "success")
        return redirect(url_for(".sitting_detail", sitting_id=sitting.id))
    return render_form("attendance/sitting_form.html", form, sitting=sitting)


@bp.route("/sittings/<int:sitting_id>")
@login_required
def sitting_detail(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.view")
    status = request.args.get("status", "")
    if status not in {s.value for s in RollStatus} | {"extra"}:
        status = ""
    moment = timeutil.now()
    counts = queries.sitting_counts(sitting)
    rows, total = queries.roll_page(sitting, status=status or None, page=page_number(), counts=counts)
    return render_template(
        "attendance/sitting_detail.html", sitting=sitting, counts=counts, rows=rows,
        total=total, page=page_number(), per_page=100, status=status, formula=queries.RATE_FORMULA,
        live=sitting.is_under_way(moment, services.checkin_opens_before()), moment=moment,
        trail=history_for(db.session, sitting, limit=50))


@bp.route("/sittings/<int:sitting_id>/counts.json")
@login_required
def sitting_counts(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.view")
    return jsonify(queries.sitting_counts(sitting).as_dict())


@bp.route("/sittings/<int:sitting_id>/close", methods=["POST"])
@login_required
def sitting_close(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.manage")
    rows = services.close_sitting(current_user, sitting)
    db.session.commit()
    flash(f"“{sitting.name}”已结束签到，名单已冻结（{rows} 人）。", "success")
    return redirect(url_for(".sitting_detail", sitting_id=sitting.id))


@bp.route("/sittings/<int:sitting_id>/delete", methods=["POST"])
@login_required
def sitting_delete(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.manage")
    name = sitting.name
    services.delete_sitting(current_user, sitting)
    db.session.commit()
    flash(f"已删除会次“{name}”。", "success")
    return redirect(url_for(".index"))


@bp.route("/sittings/<int:sitting_id>/reopen", methods=["POST"])
@login_required
def sitting_reopen(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.manage")
    services.reopen_sitting(current_user, sitting)
    db.session.commit()
    flash(f"“{sitting.name}”已重新开放签到。", "success")
    return redirect(url_for(".sitting_detail", sitting_id=sitting.id))


@bp.route("/sittings/<int:sitting_id>/sheet")
@login_required
def sitting_sheet(sitting_id: int):
    """Printable 签到表 in member-number order."""
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.view")
    return render_template("attendance/sheet.html", sitting=sitting, rows=queries.full_roll(sitting),
                           counts=queries.sitting_counts(sitting), formula=queries.RATE_FORMULA,
                           begun=sitting.has_begun(timeutil.now()), shown_status=shown_status)


@bp.route("/sittings/<int:sitting_id>/sheet.xlsx")
@login_required
def sitting_sheet_xlsx(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.view")
    workbook = spreadsheets.sign_in_sheet_workbook(sitting, queries.full_roll(sitting),
                                                   sitting.has_begun(timeutil.now()))
    return _xlsx(workbook, f"{sitting.name}签到表.xlsx", f"sign-in-sheet-{sitting.id}")


# ── check-in desk ───────────────────────────────────────────────────────────────────────────────
def _search_json(rows) -> list[dict]:
    return [{"id": r.id, "name": r.name, "member_no": r.member_no, "sector": r.sector, "group": r.group_name,
             "expected": bool(r.expected), "on_leave": bool(r.on_leave), "is_late": bool(r.is_late),
             "done_at": timeutil.format_time(r.done_at) if r.done_at else ""} for r in rows]


@bp.route("/sittings/<int:sitting_id>/desk")
@login_required
def desk(sitting_id: int):
    """The door: search as you type (JS), Enter checks in the first match; a plain form without JS."""
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.check_in", sitting)
    q = request.args.get("q", "").strip()[:40]
    undo_id = arg_int("undo")  # just checked in without the script: offer 撤销 (the POST checks the rules)
    undo_member = db.session.get(MemberProfile, undo_id) if undo_id else None
    if undo_member is not None and undo_member.meeting_id != sitting.meeting_id:
        undo_member = None
    return render_template(
        "attendance/desk.html", sitting=sitting, q=q, form=DeskCheckInForm(), formula=queries.RATE_FORMULA,
        early=services.is_early(sitting, timeutil.now()) and not sitting.is_closed, undo_member=undo_member,
        moment=timeutil.now(),
        undo_url=url_for(".desk_undo", sitting_id=sitting.id),
        results=queries.search_members(sitting.meeting_id, q, sitting=sitting) if q else [],
        counts=queries.sitting_counts(sitting).as_dict(), registration=False,
        search_url=url_for(".desk_search", sitting_id=sitting.id),
        action_url=url_for(".desk_check_in", sitting_id=sitting.id),
        counts_url=url_for(".sitting_counts", sitting_id=sitting.id))


@bp.route("/sittings/<int:sitting_id>/desk/search")
@login_required
def desk_search(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.check_in", sitting)
    rows = queries.search_members(sitting.meeting_id, request.args.get("q", ""), sitting=sitting)
    return jsonify({"results": _search_json(rows)})


def _desk_reply(outcome: services.CheckInOutcome, counts: dict | None, back: str):
    """JSON with the live counts for the desk's script; without JS, a flash and back (no counts needed)."""
    if _wants_json():
        return jsonify({"ok": outcome.record is not None, "created": outcome.created, "message": outcome.message,
                        "needs_confirmation": outcome.needs_confirmation, "early": outcome.early, "counts": counts})
    category = "warning" if outcome.needs_confirmation or outcome.early else ("success" if outcome.created else "info")
    flash(outcome.message, category)
    return redirect(back)


def _desk_member(form: DeskCheckInForm, meeting_id: int) -> MemberProfile:
    if not form.validate_on_submit():
        raise NotFound("请先选择要签到的委员。")
    member = db.session.get(MemberProfile, form.member_id.data)
    if member is None or member.meeting_id != meeting_id:
        raise NotFound("名册中没有这位委员。")
    return member


@bp.route("/sittings/<int:sitting_id>/desk/check-in", methods=["POST"])
@login_required
def desk_check_in(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.check_in", sitting)
    form = DeskCheckInForm()
    member = _desk_member(form, sitting.meeting_id)
    outcome = services.check_in(current_user, sitting, member, method=CheckInMethod.DESK,
                                admit_unexpected=form.admit.data == "1")
    # The desk's counts are read before the commit, in the same transaction: it already holds the
    # check-in, and a read after it would open another transaction and reload the sitting.
    counts = queries.sitting_counts(sitting).as_dict() if _wants_json() else None
    db.session.commit()
    back = url_for(".desk", sitting_id=sitting_id, q=request.form.get("q", "") or None)
    if outcome.needs_confirmation and not _wants_json():
        return render_template("attendance/desk_confirm.html", sitting=sitting, member=member, form=form,
                               message=outcome.message, back=back), 409
    if outcome.created and not _wants_json():  # offer 撤销 (form data: member.id would reload)
        back = url_for(".desk", sitting_id=sitting_id, undo=form.member_id.data)
    return _desk_reply(outcome, counts, back)


@bp.route("/sittings/<int:sitting_id>/desk/undo", methods=["POST"])
@login_required
def desk_undo(sitting_id: int):
    """Undo a wrong check-in at the desk (services.undo_check_in: audited, only for a short while)."""
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.check_in", sitting)
    member = _desk_member(DeskCheckInForm(), sitting.meeting_id)
    try:
        message = services.undo_check_in(current_user, sitting, member)
    except DomainError as error:
        db.session.rollback()
        if _wants_json():
            return jsonify({"ok": False, "message": error.message}), error.status_code
        flash(error.message, "danger")
        return redirect(url_for(".desk", sitting_id=sitting_id))
    counts = queries.sitting_counts(sitting).as_dict() if _wants_json() else None
    db.session.commit()
    if _wants_json():
        return jsonify({"ok": True, "message": message, "counts": counts})
    flash(message, "success")
    return redirect(url_for(".desk", sitting_id=sitting_id))


@bp.route("/sittings/<int:sitting_id>/bulk", methods=["GET", "POST"])
@login_required
def bulk(sitting_id: int):
    """Mark several members present from the roll (e.g. a paper sign-in sheet), with the time entered."""
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.check_in", sitting)
    form = BulkCheckInForm()
    if request.method == "GET":
        form.at.data = timeutil.to_local(sitting.starts_at).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            created = services.bulk_check_in(current_user, sitting, form.member_ids.data or [],
                                             _local(form.at.data))
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(f"已补录签到 {created} 人。", "success")
            return redirect(url_for(".bulk", sitting_id=sitting.id))
    rows, total = queries.roll_page(sitting, status=RollStatus.ABSENT.value, page=page_number(), per_page=200)
    leave_rows, _ = queries.roll_page(sitting, status=RollStatus.LEAVE.value, per_page=200)
    return render_template("attendance/bulk.html", sitting=sitting, form=form, rows=[*rows, *leave_rows],
                           total=total, page=page_number(), per_page=200), 400 if form.errors else 200


@bp.route("/sittings/<int:sitting_id>/members/<int:member_id>/correct", methods=["GET", "POST"])
@login_required
def correct(sitting_id: int, member_id: int):
    sitting = _sitting(sitting_id)
    member = _member(member_id)
    require(current_user, "attendance.manage")
    form = CorrectionForm()
    if not sitting.is_closed:
        form.status.choices = [c for c in RollStatus.choices() if c[0] != RollStatus.LEAVE.value]
    if form.validate_on_submit():
        try:
            services.correct_record(current_user, sitting, member, RollStatus(form.status.data), form.reason.data,
                                    at=_local(form.at.data))
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template("attendance/correct.html", form=form, sitting=sitting,
                                   member=member), error.status_code
        db.session.commit()
        flash(f"已更正 {member.name} 在“{sitting.name}”的出勤记录。", "success")
        return redirect(url_for(".sitting_detail", sitting_id=sitting.id))
    return render_template("attendance/correct.html", form=form, sitting=sitting, member=member), \
        400 if form.errors else 200


# ── registration desk (报到) ─────────────────────────────────────────────────────────────────────
@bp.route("/registration/desk")
@login_required
def registration_desk():
    meeting = meeting_or_404()
    require(current_user, "attendance.check_in", meeting)
    q = request.args.get("q", "").strip()[:40]
    counts = queries.registration_counts(meeting.id)
    return render_template(
        "attendance/desk.html", sitting=None, meeting=meeting, q=q, form=DeskCheckInForm(), registration=True,
        results=queries.search_members(meeting.id, q) if q else [], counts=counts,
        search_url=url_for(".registration_search"), action_url=url_for(".registration_register"),
        counts_url=url_for(".registration_counts"))


@bp.route("/registration/search")
@login_required
def registration_search():
    meeting = meeting_or_404()
    require(current_user, "attendance.check_in", meeting)
    return jsonify({"results": _search_json(queries.search_members(meeting.id, request.args.get("q", "")))})


@bp.route("/registration/counts.json")
@login_required
def registration_counts():
    meeting = meeting_or_404()
    require(current_user, "attendance.view")
    return jsonify(queries.registration_counts(meeting.id))


@bp.route("/registration/register", methods=["POST"])
@login_required
def registration_register():
    meeting = meeting_or_404()
    require(current_user, "attendance.check_in", meeting)
    member = _desk_member(DeskCheckInForm(), meeting.id)
    outcome = services.register(current_user, member, method=CheckInMethod.DESK)
    counts = queries.registration_counts(meeting.id) if _wants_json() else None
    db.session.commit()
    return _desk_reply(outcome, counts,
                       url_for(".registration_desk", q=request.form.get("q", "") or None))


# ── QR self check-in ────────────────────────────────────────────────────────────────────────────
@bp.route("/qr/<token>", methods=["GET", "POST"])
def qr(token: str):
    """The personal code is the credential (signed, unguessable, revocable): no login needed.

    GET only shows who and which sitting; the check-in itself is a CSRF-protected POST, so a link
    preview or a prefetch never checks anyone in.
    """
    if len(token) > 200:
        abort(404)
    try:
        member = services.member_for_token(token)
    except DomainError as error:
        return render_template("attendance/qr.html", error=error.message), error.status_code
    moment = timeutil.now()
    sitting = queries.sitting_under_way(member.meeting_id, moment, services.checkin_opens_before(), member)
    outcomes = []
    if request.method == "POST":
        outcomes = services.self_check_in(member, moment, sitting=sitting)
        registration = queries.registration_of(member.id)
        commit_then_read(db.session)  # the answer is drawn from what is loaded, without the write lock
    else:
        registration = queries.registration_of(member.id)
    return render_template("attendance/qr.html", member=member, sitting=sitting, outcomes=outcomes,
                           registration=registration)


# ── leave ───────────────────────────────────────────────────────────────────────────────────────
def _own_profile(meeting):
    return queries.profile_of_user(meeting.id, current_user.id) if current_user.role == Role.MEMBER else None


@bp.route("/leave")
@login_required
def leave_list():
    require(current_user, "attendance.leave.view")
    meeting = meeting_or_404()
    status = request.args.get("status", "")
    if status not in {s.value for s in LeaveStatus}:
        status = ""
    own = _own_profile(meeting)
    member_id = (own.id if own else -1) if current_user.role == Role.MEMBER else None
    pagination = queries.leave_requests(meeting.id, member_id=member_id, status=status or None, page=page_number())
    return render_template("attendance/leave_list.html", pagination=pagination, status=status, own=own)


@bp.route("/leave/new", methods=["GET", "POST"])
@login_required
def leave_new():
    require(current_user, "attendance.leave.request")
    meeting = meeting_or_404()
    own = _own_profile(meeting)
    if current_user.role == Role.MEMBER and own is None:
        raise NotFound("您尚未被列入本次会议的委员名册，无法在线请假。请联系大会秘书处。")
    form = LeaveRequestForm()
    form.sitting_ids.choices = [(s.id, f"{s.name}（{timeutil.format_short(s.starts_at)}）")
                                for s in queries.sittings_of(meeting.id) if not s.is_closed]
    if own is not None:
        form.member_no.data = own.member_no
    elif request.method == "GET":
        form.member_no.data = request.args.get("member_no", "")[:20]
    if form.validate_on_submit():
        try:
            member = own or queries.member_by_number(meeting.id, form.member_no.data)
            if member is None:
                raise NotFound(f"名册中没有委员编号为“{form.member_no.data}”的委员。")
            require(current_user, "attendance.leave.request", member)
            leave = services.request_leave(current_user, member, form.sitting_ids.data, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template("attendance/leave_form.html", form=form, own=own), error.status_code
        db.session.commit()
        flash("请假申请已提交，等待大会秘书处审批。", "success")
        return redirect(url_for(".leave_detail", leave_id=leave.id))
    return render_template("attendance/leave_form.html", form=form, own=own), 400 if form.errors else 200


def _leave_trail(leave) -> list:
    """The history records the reason: only for those who may read it (attendance.leave.reason)."""
    return history_for(db.session, leave) if can(current_user, "attendance.leave.reason", leave) else []


def _leave(leave_id: int):
    leave = queries.leave_request(leave_id)
    if leave is None:
        raise NotFound("该请假申请不存在或已撤回。")
    return leave


@bp.route("/leave/<int:leave_id>")
@login_required
def leave_detail(leave_id: int):
    leave = _leave(leave_id)
    require(current_user, "attendance.leave.view", leave)
    form = LeaveDecisionForm(obj=leave)
    return render_template("attendance/leave_detail.html", leave=leave, form=form,
                           trail=_leave_trail(leave))


@bp.route("/leave/<int:leave_id>/decide", methods=["POST"])
@login_required
def leave_decide(leave_id: int):
    leave = _leave(leave_id)
    require(current_user, "attendance.leave.decide", leave)
    form = LeaveDecisionForm()
    if form.validate_on_submit():
        try:
            services.decide_leave(current_user, leave, approve=form.decision.data == "approve",
                                  note=form.note.data or "", version_id=form.version_id.data)
        except (DomainError, StaleDataError) as error:  # stale: another decision won the race at the UPDATE
            db.session.rollback()
            leave = _leave(leave_id)
            refusal = error if isinstance(error, DomainError) else services.leave_already_decided(leave) \
                if leave.status != LeaveStatus.PENDING else Conflict()
            form.version_id.data = leave.version_id  # a retry decides on what the page now shows
            form.form_errors.append(refusal.message)
            return render_form("attendance/leave_detail.html", form, refusal.status_code, leave=leave,
                               trail=_leave_trail(leave))
        message = f"{leave.member.name} 的请假申请{leave.status.label}，已通知本人。"
        db.session.commit()
        flash(message, "success")
        return redirect(url_for(".leave_detail", leave_id=leave.id))
    return render_form("attendance/leave_detail.html", form, 400, leave=leave, trail=_leave_trail(leave))


@bp.route("/leave/<int:leave_id>/cancel", methods=["POST"])
@login_required
def leave_cancel(leave_id: int):
    leave = _leave(leave_id)
    require(current_user, "attendance.leave.view", leave)
    require(current_user, "attendance.leave.cancel", leave)
    services.cancel_leave(current_user, leave)
    db.session.commit()
    flash("请假申请已撤回。", "success")
    return redirect(url_for(".leave_list"))


# ── figures ─────────────────────────────────────────────────────────────────────────────────────
@bp.route("/figures")
@login_required
def figures():
    require(current_user, "attendance.view")
    meeting = meeting_or_404()
    moment = timeutil.now()
    by_member, total = queries.counts_by_member(meeting.id, moment, page=page_number(), per_page=50)
    grouped = queries.counts_by_sector_and_group(meeting.id, moment)
    return render_template(
        "attendance/figures.html", meeting=meeting, moment=moment, formula=queries.RATE_FORMULA,
        overall=queries.meeting_counts(meeting.id, moment), by_sector=grouped["sector"],
        by_group=grouped["group_name"], by_member=by_member, total=total, page=page_number(), per_page=50)


@bp.route("/figures/summary.xlsx")
@login_required
def summary_xlsx():
    require(current_user, "attendance.view")
    meeting = meeting_or_404()
    moment = timeutil.now()
    by_member, _total = queries.counts_by_member(meeting.id, moment, per_page=100000)
    grouped = queries.counts_by_sector_and_group(meeting.id, moment)
    data = spreadsheets.summary_workbook(
        meeting, queries.RATE_FORMULA, queries.sittings_of(meeting.id), queries.counts_by_sitting(meeting.id),
        grouped["sector"], grouped["group_name"], by_member)
    return _xlsx(data, f"{meeting.display_name}出勤汇总-{spreadsheets_module.stamp(moment)}.xlsx", "attendance")


# ── duties ──────────────────────────────────────────────────────────────────────────────────────
@bp.route("/duties", methods=["GET", "POST"])
@login_required
def duties():
    """The secretariat names who runs check-in, for one sitting or the whole meeting."""
    require(current_user, "attendance.manage")
    meeting = meeting_or_404()
    form = DutyForm()
    form.user_id.choices = queries.staff_choices()
    form.sitting_id.choices = [(0, "整个会议（含报到）"), *[(s.id, s.name) for s in queries.sittings_of(meeting.id)]]
    if form.validate_on_submit():
        try:
            user = db.session.get(User, form.user_id.data or 0)
            if user is None:
                raise NotFound("请选择工作人员。")
            sitting = _sitting(form.sitting_id.data) if form.sitting_id.data else None
            services.assign_duty(current_user, meeting, user, sitting)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template("attendance/duties.html", form=form,
                                   duties=queries.duties_of(meeting.id)), error.status_code
        db.session.commit()
        flash(f"已指派 {user.display_name} 负责签到。", "success")
        return redirect(url_for(".duties"))
    return render_template("attendance/duties.html", form=form, duties=queries.duties_of(meeting.id)), \
        400 if form.errors else 200


@bp.route("/duties/<int:duty_id>/remove", methods=["POST"])
@login_required
def duty_remove(duty_id: int):
    duty = db.session.get(CheckinDuty, duty_id)
    if duty is None:
        raise NotFound("该值守安排不存在或已取消。")
    require(current_user, "attendance.manage")
    services.remove_duty(current_user, duty)
    db.session.commit()
    flash("已取消该签到值守。", "success")
    return redirect(url_for(".duties"))


# ── following up who is missing (#20) ────────────────────────────────────────────────────────────
MISSING_PER_PAGE = 100


def _missing_list(kind: str, filt: queries.MissingFilter, *, sitting: Sitting | None = None, form=None,
                  status: int | None = None, message: str = ""):
    """The 未报到 (kind "unregistered") or 未签到 ("absent") list page; a refused reminder is drawn on it
    with the filter kept."""
    meeting = meeting_or_404()
    sectors, groups = queries.filter_choices(sitting.meeting_id if sitting is not None else meeting.id)
    if sitting is not None:
        rows, total = queries.absent_page(sitting, filt, groups, per_page=MISSING_PER_PAGE)
        remind_target = sitting
    else:
        rows, total = queries.unregistered_page(meeting.id, filt, groups, per_page=MISSING_PER_PAGE)
        remind_target = meeting
    if form is None:
        form = MissingRemindForm(formdata=None, data=filt.args(page=1))
    return render_template(
        "attendance/missing.html", kind=kind, meeting=meeting, sitting=sitting, rows=rows, total=total, filt=filt,
        sectors=sectors, groups=groups, per_page=MISSING_PER_PAGE, form=form, message=message,
        may_remind=can(current_user, "attendance.remind", remind_target),
        personal=can(current_user, "attendance.member.personal"),
        live=sitting is not None and sitting.is_under_way(timeutil.now(), services.checkin_opens_before()),
    ), status or 200


def _remind(kind: str, send, sitting: Sitting | None = None):
    """POST of a list's 提醒 button: ``send(filter)`` (one service) for the list's filter, then back to the list
    with it; a refusal is drawn on the list, the filter kept."""
    form = MissingRemindForm()
    valid = form.validate_on_submit()
    filt = queries.MissingFilter.from_args(form.data)
    try:
        if not valid:
            raise ValidationFailed("提醒没有发出：页面已过期，请刷新后重试。")
        reminded = send(filt)
    except DomainError as error:
        db.session.rollback()
        return _missing_list(kind, filt, sitting=sitting, form=form, status=error.status_code,
                             message=error.message)
    db.session.commit()
    extra = f"另有 {reminded.without_account} 人没有登录账号，请打印名单电话联系。" if reminded.without_account else ""
    flash(f"已向 {reminded.sent} 位委员发送提醒（站内通知，以及本人开通的邮件等渠道）。{extra}", "success")
    if sitting is not None:
        return redirect(url_for(".absent", sitting_id=sitting.id, **filt.args(page=1)))
    return redirect(url_for(".unregistered", **filt.args(page=1)))


@bp.route("/registration/missing")
@login_required
def unregistered():
    """未报到: the roster's members who have not registered, filtered by 界别 / 讨论组 / 常委."""
    require(current_user, "attendance.view")
    return _missing_list("unregistered", queries.MissingFilter.from_args(request.args))


@bp.route("/registration/missing/remind", methods=["POST"])
@login_required
def unregistered_remind():
    meeting = meeting_or_404()
    require(current_user, "attendance.remind", meeting)
    return _remind("unregistered", lambda filt: services.remind_unregistered(current_user, meeting, filt))


@bp.route("/registration/missing/print")
@login_required
def unregistered_print():
    """未报到 list for phoning: name, 界别, phone (personal data: the secretariat), A4."""
    require(current_user, "attendance.member.personal")
    meeting = meeting_or_404()
    filt = queries.MissingFilter.from_args(request.args)
    _sectors, groups = queries.filter_choices(meeting.id)
    rows, total = queries.unregistered_page(meeting.id, queries.MissingFilter(filt.sector, filt.group, filt.standing),
                                            groups, per_page=spreadsheets.MAX_ROWS)
    return render_template("attendance/missing_print.html", kind="unregistered", meeting=meeting, sitting=None,
                           rows=rows, total=total, described=filt.describe(groups), moment=timeutil.now())


@bp.route("/sittings/<int:sitting_id>/missing")
@login_required
def absent(sitting_id: int):
    """未签到: expected at the sitting, not checked in, no approved leave (a pending request is flagged)."""
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.view")
    return _missing_list("absent", queries.MissingFilter.from_args(request.args), sitting=sitting)


@bp.route("/sittings/<int:sitting_id>/missing/remind", methods=["POST"])
@login_required
def absent_remind(sitting_id: int):
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.remind", sitting)
    return _remind("absent", lambda filt: services.remind_absent(current_user, sitting, filt), sitting)


@bp.route("/sittings/<int:sitting_id>/missing/print")
@login_required
def absent_print(sitting_id: int):
    """未签到 list for phoning, A4."""
    sitting = _sitting(sitting_id)
    require(current_user, "attendance.member.personal")
    meeting = meeting_or_404()
    filt = queries.MissingFilter.from_args(request.args)
    _sectors, groups = queries.filter_choices(sitting.meeting_id)
    rows, total = queries.absent_page(sitting, queries.MissingFilter(filt.sector, filt.group, filt.standing),
                                      groups, per_page=spreadsheets.MAX_ROWS)
    return render_template("attendance/missing_print.html", kind="absent", meeting=meeting, sitting=sitting,
                           rows=rows, total=total, described=filt.describe(groups), moment=timeutil.now())


FOLLOW_UP_STATES = {"open": "待跟进", "resolved": "已处理", "all": "全部"}


@bp.route("/follow-ups")
@login_required
def follow_ups():
    """缺席跟进: absences without leave from closed sittings, open first; each resolved with a note."""
    require(current_user, "attendance.follow_up")
    meeting = meeting_or_404()
    state = request.args.get("state", "open")
    state = state if state in FOLLOW_UP_STATES else "open"
    sitting_id = arg_id("sitting")
    items, total = queries.follow_ups_page(meeting.id, state=state, sitting_id=sitting_id, page=page_number())
    closed = [s for s in queries.sittings_of(meeting.id) if s.is_closed]
    return render_template("attendance/follow_ups.html", items=items, total=total, page=page_number(), per_page=50,
                           state=state, states=FOLLOW_UP_STATES, sitting_id=sitting_id, sittings=closed,
                           personal=can(current_user, "attendance.member.personal"))


def _follow_up(follow_up_id: int):
    item = queries.follow_up(follow_up_id)
    if item is None:
        raise NotFound("该缺席跟进不存在，或其会次已重新开放签到。")
    return item


@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@login_required
def follow_up_resolve(follow_up_id: int):
    item = _follow_up(follow_up_id)
    require(current_user, "attendance.follow_up")
    form = FollowUpResolveForm(obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.outcome.data = None  # no answer pre-selected
    if form.validate_on_submit():
        try:
            services.resolve_follow_up(current_user, item, FollowUpOutcome(form.outcome.data), form.note.data or "",
                                       version_id=form.version_id.data)
        except (DomainError, StaleDataError) as error:
            db.session.rollback()
            item = _follow_up(follow_up_id)
            refusal = error if isinstance(error, DomainError) else Conflict()
            form.form_errors.append(refusal.message)
            return render_form("attendance/follow_up.html", form, refusal.status_code, item=item,
                               trail=history_for(db.session, item))
        message = f"{item.name} 的缺席跟进已处理：{FollowUpOutcome(form.outcome.data).label}。"
        db.session.commit()
        flash(message, "success")
        return redirect(url_for(".follow_ups"))
    return render_form("attendance/follow_up.html", form, item=item, trail=history_for(db.session, item))


@bp.route("/leave/approvers", methods=["GET", "POST"])
@login_required
def leave_approvers():
    """Which leaders may decide the meeting's leave besides the secretariat (a setting of the meeting)."""
    require(current_user, "attendance.manage")
    meeting = meeting_or_404()
    form = LeaveApproversForm()
    form.user_ids.choices = queries.leader_choices()
    if request.method == "GET":
        form.user_ids.data = [a.user_id for a in queries.leave_approvers(meeting.id)]
    if form.validate_on_submit():
        try:
            chosen = services.set_leave_approvers(current_user, meeting, form.user_ids.data or [])
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_form("attendance/leave_approvers.html", form, error.status_code,
                               approvers=queries.leave_approvers(meeting.id))
        db.session.commit()
        names = "、".join(u.display_name for u in chosen)
        flash(f"已保存：除大会秘书处外，{names} 也可审批请假。" if chosen else "已保存：请假只由大会秘书处审批。",
              "success")
        return redirect(url_for(".leave_approvers"))
    return render_form("attendance/leave_approvers.html", form, approvers=queries.leave_approvers(meeting.id))
