from sqlalchemy import select

from meetingprep.attendance import services
from meetingprep.attendance.models import AbsenceFollowUp
from meetingprep.extensions import db
from tests import factories
from tests.access import EVERYONE, MANAGERS, READERS, Case, check_cases

ENDPOINTS = {
    "attendance.index", "attendance.roster", "attendance.roster_template", "attendance.roster_export",
    "attendance.roster_import", "attendance.member_edit", "attendance.member_detail", "attendance.member_card",
    "attendance.member_reissue_qr", "attendance.me", "attendance.sitting_edit", "attendance.sitting_detail",
    "attendance.sitting_counts", "attendance.sitting_close", "attendance.sitting_reopen", "attendance.sitting_sheet",
    "attendance.sitting_sheet_xlsx", "attendance.desk", "attendance.desk_search", "attendance.desk_check_in",
    "attendance.desk_undo",
    "attendance.bulk", "attendance.correct", "attendance.registration_desk", "attendance.registration_search",
    "attendance.registration_counts", "attendance.registration_register", "attendance.qr", "attendance.leave_list",
    "attendance.leave_new", "attendance.leave_detail", "attendance.leave_decide", "attendance.leave_cancel",
    "attendance.figures", "attendance.summary_xlsx", "attendance.duties", "attendance.duty_remove",
    "attendance.roster_cards", "attendance.roster_cards_print", "attendance.member_delete", "attendance.sitting_delete",
    "attendance.unregistered", "attendance.unregistered_remind", "attendance.unregistered_print", "attendance.absent",
    "attendance.absent_remind", "attendance.absent_print", "attendance.follow_ups", "attendance.follow_up_resolve",
    "attendance.leave_approvers",
}


def test_route_role_table(app, client, login, role_users, monkeypatch):
    meeting = role_users["meeting"]
    own = factories.make_member(meeting, name="张三", member_no="0001", user=role_users["member"])
    other = factories.make_member(meeting, name="李四", member_no="0002")
    sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=-5)
    closing = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=60)
    later = factories.make_sitting(meeting, name="全体会议", starts_in_minutes=600)
    # The group lead is named to run this sitting's desk; the staff user is not.
    duty = services.assign_duty(role_users["secretariat"], meeting, role_users["group_lead"], sitting)
    leave = factories.make_leave(own, [later], requested_by=role_users["member"])
    held = factories.make_sitting(meeting, name="培训会", starts_in_minutes=-600)
    services.close_sitting(role_users["secretariat"], held)  # 张三 and 李四 were absent: follow-up items
    follow_up = db.session.scalar(select(AbsenceFollowUp).where(AbsenceFollowUp.member_id == other.id))
    db.session.commit()
    token = services.qr_token(own)
    # Deleting endpoints: the walk checks who gets through, so the first allowed role must not delete
    # the object from under the next one (their effect is tested in test_views).
    monkeypatch.setattr(services, "remove_duty", lambda *_args: None)
    monkeypatch.setattr(services, "cancel_leave", lambda *_args: None)
    monkeypatch.setattr(services, "remove_member", lambda *_args: None)
    monkeypatch.setattr(services, "delete_sitting", lambda *_args: None)
    # Reminders and resolutions: the walk checks who gets through (their effect: tests/attendance/test_follow_up.py).
    monkeypatch.setattr(services, "remind_absent", lambda *_args: services.Reminded(1, 0))
    monkeypatch.setattr(services, "remind_unregistered", lambda *_args: services.Reminded(1, 0))
    monkeypatch.setattr(services, "resolve_follow_up", lambda *_args, **_kw: None)

    s, m = sitting.id, own.id
    desk_roles = MANAGERS | {"group_lead"}
    cases = [
        Case("attendance.index", "/attendance/", READERS),
        Case("attendance.roster", "/attendance/roster?q=zs", READERS),
        Case("attendance.roster_template", "/attendance/roster/template.xlsx", MANAGERS),
        Case("attendance.roster_export", "/attendance/roster/export.xlsx", READERS),
        Case("attendance.roster_import", "/attendance/roster/import", MANAGERS),
        Case("attendance.roster_cards", "/attendance/roster/cards", MANAGERS),
        Case("attendance.roster_cards_print", "/attendance/roster/cards/print", MANAGERS),
        Case("attendance.member_edit", "/attendance/members/new", MANAGERS),
        Case("attendance.member_edit", f"/attendance/members/{other.id}/edit", MANAGERS),
        Case("attendance.member_detail", f"/attendance/members/{m}", READERS | {"member"}),
        Case("attendance.member_detail", f"/attendance/members/{other.id}", READERS),
        Case("attendance.member_card", f"/attendance/members/{m}/card", MANAGERS | {"member"}),
        Case("attendance.member_card", f"/attendance/members/{other.id}/card", MANAGERS),
        Case("attendance.member_reissue_qr", f"/attendance/members/{other.id}/qr/reissue", MANAGERS, method="POST"),
        Case("attendance.me", "/attendance/me", {"member"}),
        Case("attendance.sitting_edit", "/attendance/sittings/new", MANAGERS),
        Case("attendance.sitting_edit", f"/attendance/sittings/{s}/edit", MANAGERS),
        Case("attendance.sitting_detail", f"/attendance/sittings/{s}", READERS),
        Case("attendance.sitting_counts", f"/attendance/sittings/{s}/counts.json", READERS),
        Case("attendance.sitting_sheet", f"/attendance/sittings/{s}/sheet", READERS),
        Case("attendance.sitting_sheet_xlsx", f"/attendance/sittings/{s}/sheet.xlsx", READERS),
        Case("attendance.desk", f"/attendance/sittings/{s}/desk?q=zs", desk_roles),
        Case("attendance.desk_search", f"/attendance/sittings/{s}/desk/search?q=zs", desk_roles),
        Case("attendance.desk_check_in", f"/attendance/sittings/{s}/desk/check-in", desk_roles, method="POST",
             data={"member_id": str(other.id)}),
        Case("attendance.desk_undo", f"/attendance/sittings/{s}/desk/undo", desk_roles, method="POST",
             data={"member_id": str(other.id)}),
        Case("attendance.bulk", f"/attendance/sittings/{s}/bulk", desk_roles),
        Case("attendance.correct", f"/attendance/sittings/{s}/members/{m}/correct", MANAGERS),
        Case("attendance.registration_desk", "/attendance/registration/desk?q=li", MANAGERS),
        Case("attendance.registration_search", "/attendance/registration/search?q=li", MANAGERS),
        Case("attendance.registration_counts", "/attendance/registration/counts.json", READERS),
        Case("attendance.registration_register", "/attendance/registration/register", MANAGERS, method="POST",
             data={"member_id": str(other.id)}),
        Case("attendance.qr", f"/attendance/qr/{token}", EVERYONE, public=True),
        Case("attendance.qr", f"/attendance/qr/{token}", EVERYONE, method="POST", public=True),
        Case("attendance.leave_list", "/attendance/leave", EVERYONE),
        Case("attendance.leave_new", "/attendance/leave/new", MANAGERS | {"member"}),
        Case("attendance.leave_detail", f"/attendance/leave/{leave.id}", READERS | {"member"}),
        Case("attendance.leave_cancel", f"/attendance/leave/{leave.id}/cancel", MANAGERS | {"member"},
             method="POST"),
        Case("attendance.leave_decide", f"/attendance/leave/{leave.id}/decide", MANAGERS, method="POST",
             data={"decision": "approve", "note": "同意", "version_id": "1"}),
        Case("attendance.figures", "/attendance/figures", READERS),
        Case("attendance.summary_xlsx", "/attendance/figures/summary.xlsx", READERS),
        Case("attendance.duties", "/attendance/duties", MANAGERS),
        Case("attendance.duty_remove", f"/attendance/duties/{duty.id}/remove", MANAGERS, method="POST"),
        Case("attendance.member_delete", f"/attendance/members/{other.id}/delete", MANAGERS, method="POST"),
        Case("attendance.sitting_delete", f"/attendance/sittings/{later.id}/delete", MANAGERS, method="POST"),
        Case("attendance.sitting_close", f"/attendance/sittings/{closing.id}/close", MANAGERS, method="POST"),
        Case("attendance.sitting_reopen", f"/attendance/sittings/{closing.id}/reopen", MANAGERS, method="POST"),
        # following up who is missing: lists for readers, phones and follow-ups for the secretariat, reminders
        # for the secretariat and whoever runs that desk (the group lead, for this sitting)
        Case("attendance.unregistered", "/attendance/registration/missing?sector=民盟&standing=1", READERS),
        Case("attendance.unregistered_remind", "/attendance/registration/missing/remind", MANAGERS, method="POST"),
        Case("attendance.unregistered_print", "/attendance/registration/missing/print", MANAGERS),
        Case("attendance.absent", f"/attendance/sittings/{s}/missing?group=1", READERS),
        Case("attendance.absent_remind", f"/attendance/sittings/{s}/missing/remind", desk_roles, method="POST"),
        Case("attendance.absent_print", f"/attendance/sittings/{s}/missing/print", MANAGERS),
        Case("attendance.follow_ups", "/attendance/follow-ups?state=all", MANAGERS),
        Case("attendance.follow_up_resolve", f"/attendance/follow-ups/{follow_up.id}", MANAGERS),
        Case("attendance.follow_up_resolve", f"/attendance/follow-ups/{follow_up.id}", MANAGERS, method="POST",
             data={"outcome": "contacted", "note": "已联系", "version_id": "1"}),
        Case("attendance.leave_approvers", "/attendance/leave/approvers", MANAGERS),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)


ROLES = ("admin", "secretariat", "group_lead", "staff", "leader", "member")


def test_members_personal_data_is_for_the_secretariat_and_the_member(app, client, login, role_users):
    """Phone numbers, leave reasons (often medical) and the histories recording them: the secretariat and
    the member themself; staff of any group and leaders see 请假 and nothing more."""
    import io

    from openpyxl import load_workbook

    meeting = role_users["meeting"]
    own = factories.make_member(meeting, name="张三", member_no="0001", user=role_users["member"])
    own.phone = "13912345678"
    sitting = factories.make_sitting(meeting, name="全体会议", starts_in_minutes=600)
    leave = factories.make_leave(own, [sitting], reason="住院复查（病历见附件）", requested_by=role_users["member"])
    db.session.commit()
    pages = {"leave_list": "/attendance/leave", "leave_detail": f"/attendance/leave/{leave.id}",
             "member_detail": f"/attendance/members/{own.id}", "roster": "/attendance/roster"}
    for role in ROLES:
        login(role_users[role])
        may_see = role in ("admin", "secretariat", "member")
        for name, path in pages.items():
            response = client.get(path)
            if response.status_code != 200:
                assert response.status_code in (403, 404) and role in ("member",), (role, name)
                continue
            body = response.get_data(as_text=True)
            assert ("住院复查" in body) == (may_see and name != "roster"), (role, name)
            assert ("13912345678" in body) == (may_see and name in ("member_detail", "roster")), (role, name)
            if name == "leave_list" and not may_see:
                assert "请假" in body
        export = client.get("/attendance/roster/export.xlsx")
        if export.status_code == 200:
            cells = {str(cell.value) for row in load_workbook(io.BytesIO(export.data)).active.iter_rows()
                     for cell in row}
            assert ("13912345678" in cells) == may_see, role


def test_only_the_member_and_the_secretariat_file_leave(app, client, login, role_users):
    meeting = role_users["meeting"]
    other = factories.make_member(meeting, name="李四", member_no="0002")
    sitting = factories.make_sitting(meeting, name="全体会议", starts_in_minutes=600)
    db.session.commit()
    data = {"member_no": "0002", "sitting_ids": [str(sitting.id)], "reason": "代为请假"}
    for role in ("group_lead", "staff", "leader"):
        login(role_users[role])
        assert client.post("/attendance/leave/new", data=data).status_code == 403, role
        assert "代委员请假" not in client.get("/attendance/leave").get_data(as_text=True)
    login(role_users["member"])  # not in the roster as 0002
    assert client.post("/attendance/leave/new", data=data).status_code in (403, 404)
    login(role_users["secretariat"])
    assert client.post("/attendance/leave/new", data=data).status_code == 302
    from meetingprep.attendance.models import LeaveRequest
    assert db.session.query(LeaveRequest).filter_by(member_id=other.id).count() == 1
