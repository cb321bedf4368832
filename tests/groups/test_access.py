from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership
from tests.access import MANAGERS, READERS, Case, check_cases

ENDPOINTS = {"groups.index", "groups.for_meeting", "groups.create", "groups.detail", "groups.edit",
             "groups.add_member", "groups.remove_member", "groups.set_lead"}


def test_route_role_table(app, client, login, role_users):
    meeting, group = role_users["meeting"].id, role_users["group"].id
    staff_membership = db.session.query(GroupMembership).filter_by(user_id=role_users["staff"].id).one().id
    cases = [
        Case("groups.index", "/groups/", READERS),
        Case("groups.for_meeting", f"/groups/meeting/{meeting}", READERS),
        Case("groups.create", f"/groups/meeting/{meeting}/new", MANAGERS),
        Case("groups.create", f"/groups/meeting/{meeting}/new", MANAGERS, method="POST", data={"name": ""}),
        Case("groups.detail", f"/groups/{group}", READERS),
        Case("groups.edit", f"/groups/{group}/edit", MANAGERS),
        Case("groups.edit", f"/groups/{group}/edit", MANAGERS, method="POST", data={"name": ""}),
        Case("groups.add_member", f"/groups/{group}/members", MANAGERS, method="POST", data={"username": "nobody"}),
        Case("groups.set_lead", f"/groups/{group}/members/{staff_membership}/lead?is_lead=0", MANAGERS,
             method="POST"),
        Case("groups.remove_member", f"/groups/{group}/members/999999/remove", MANAGERS, method="POST"),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
