"""委员履职 pages: the overview (aggregates for leaders; every member's record for the secretariat), one
member's record, a member's own, the 常委 view, the comparison of meetings, the .xlsx export."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from meetingprep import spreadsheets as spreadsheets_module
from meetingprep import timeutil
from meetingprep.attendance import queries as attendance
from meetingprep.attendance.models import MemberProfile
from meetingprep.bounds import arg_id
from meetingprep.errors import NotFound
from meetingprep.extensions import db
from meetingprep.opinions import queries as opinion_queries
from meetingprep.permissions import can, require
from meetingprep.records import comparison, queries, spreadsheets
from meetingprep.web import meeting_or_404, page_number

bp = Blueprint("records", __name__, url_prefix="/records")
PER_PAGE = 50
OWN_OPINIONS_SHOWN = 200


def _filters(meeting_id: int) -> dict:
    """?sector= (界别, one of the roster's) &group= (讨论组 id) &standing=1|0: unknown values are ignored."""
    choices = queries.filter_choices(meeting_id)
    sector = request.args.get("sector", "")
    group_id = arg_id("group")
    standing = {"1": True, "0": False}.get(request.args.get("standing", ""))
    return {"sector": sector if sector in choices["sectors"] else None,
            "group_id": group_id if group_id in {g for g, _ in choices["groups"]} else None,
            "standing": standing, "choices": choices}


@bp.route("/")
@login_required
def index():
    require(current_user, "records.aggregate")
    meeting = meeting_or_404()
    moment = timeutil.now()
    filters = _filters(meeting.id)
    aggregates = queries.aggregates(meeting, moment)
    records = pagination = None
    if can(current_user, "records.list"):
        records, pagination = queries.records_page(
            meeting, moment, sector=filters["sector"], group_id=filters["group_id"], standing=filters["standing"],
            page=page_number(), per_page=PER_PAGE)
    return render_template("records/index.html", meeting=meeting, moment=moment, filters=filters,
                           records=records, pagination=pagination, formula=attendance.RATE_FORMULA,
                           by_sector=aggregates["sector"], by_group=aggregates["group_name"])


def _member_page(member: MemberProfile, template: str):
    meeting = meeting_or_404()
    if member.meeting_id != meeting.id:
        raise NotFound("这位委员不在本次会议的名册中。")
    moment = timeutil.now()
    return render_template(
        template, member=member, meeting=meeting, moment=moment, formula=attendance.RATE_FORMULA,
        record=queries.member_record(member, meeting, moment), rows=attendance.member_status_rows(member),
        opinions=opinion_queries.opinions_page(meeting.id, member_id=member.id, per_page=OWN_OPINIONS_SHOWN).items)


@bp.route("/members/<int:member_id>")
@login_required
def member(member_id: int):
    member = db.session.scalar(attendance.member_for_edit(member_id))
    if member is None:
        raise NotFound("名册中没有这位委员。")
    require(current_user, "records.member", member)
    return _member_page(member, "records/member.html")


@bp.route("/me")
@login_required
def me():
    require(current_user, "records.own")
    member = attendance.profile_of_user(meeting_or_404().id, current_user.id)
    if member is None:
        return render_template("records/member.html", member=None, record=None)
    return _member_page(member, "records/member.html")


@bp.route("/standing")
@login_required
def standing():
    require(current_user, "records.standing")
    meeting = meeting_or_404()
    moment = timeutil.now()
    return render_template("records/standing.html", meeting=meeting, view=queries.standing_view(meeting, moment),
                           formula=attendance.RATE_FORMULA)


@bp.route("/compare")
@login_required
def compare():
    require(current_user, "records.compare")
    return render_template("records/compare.html", lines=comparison.compare_meetings(timeutil.now()),
                           method=comparison.METHOD)


@bp.route("/export.xlsx")
@login_required
def export():
    """Per 界别 (?sector=) or 讨论组 (?group=): the secretariat gets every member's record and the
    aggregates; leaders the aggregates only (a member's record is the secretariat's and the member's)."""
    require(current_user, "records.aggregate")
    meeting = meeting_or_404()
    moment = timeutil.now()
    filters = _filters(meeting.id)
    scope = filters["sector"] or dict(filters["choices"]["groups"]).get(filters["group_id"]) or "全体委员"
    title = f"{meeting.display_name}委员履职情况（{scope}）"
    tables = []
    if can(current_user, "records.list"):
        records = queries.all_records(meeting, moment, sector=filters["sector"], group_id=filters["group_id"])
        table = spreadsheets.member_table(records, title)
        table.notes = [attendance.RATE_FORMULA]
        tables.append(table)
    aggregates = queries.aggregates(meeting, moment)
    tables.append(spreadsheets.aggregate_table("界别汇总", "界别", aggregates["sector"],
                                               f"{meeting.display_name}委员履职情况（按界别）"))
    tables.append(spreadsheets.aggregate_table("讨论组汇总", "讨论组", aggregates["group_name"],
                                               f"{meeting.display_name}委员履职情况（按讨论组）"))
    response = Response(spreadsheets.workbook(tables), content_type=spreadsheets_module.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = spreadsheets_module.content_disposition(
        f"委员履职-{scope}-{spreadsheets_module.stamp(moment)}.xlsx", "member-records")
    return response
