from meetingprep.extensions import db
from meetingprep.notices import services
from meetingprep.notices.models import NoticeCategory, ScopeKind
from tests.access import EVERYONE, MANAGERS, Case, check_cases

ENDPOINTS = {"notices.index", "notices.manage", "notices.new", "notices.detail", "notices.cancel"}


def test_route_role_table(app, client, login, role_users, monkeypatch):
    from meetingprep.attendance.models import MemberProfile

    meeting = role_users["meeting"]
    db.session.add(MemberProfile(meeting_id=meeting.id, user_id=role_users["member"].id, member_no="0001",
                                 name="委员甲"))
    notice = services.create_notice(role_users["secretariat"], meeting, services.NoticeData(
        category=NoticeCategory.REGISTRATION, title="报到须知", body="正文",
        scopes=[services.ScopeChoice(ScopeKind.ALL_MEMBERS), services.ScopeChoice(ScopeKind.ALL_STAFF)]))
    db.session.commit()
    # Cancelling: the walk checks who gets through (a sent notice answers 409 to the allowed; its effect is
    # tested in test_views).
    monkeypatch.setattr(services, "cancel_notice", lambda *_args: None)
    n = notice.id
    # 全体委员 and 全体工作人员: the member, staff, group lead and secretariat received it; admin and leader did not
    readers = {"secretariat", "admin", "staff", "group_lead", "member"}
    cases = [
        Case("notices.index", "/notices/", EVERYONE),
        Case("notices.manage", "/notices/manage", MANAGERS),
        Case("notices.new", "/notices/new", MANAGERS),
        Case("notices.detail", f"/notices/{n}", readers),
        Case("notices.cancel", f"/notices/{n}/cancel", MANAGERS, method="POST", data={"version_id": "1"}),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
