from sqlalchemy import select

from meetingprep.extensions import db
from meetingprep.opinions import services
from meetingprep.opinions.models import DiscussionRecorder
from tests.access import MANAGERS, READERS, Case, check_cases
from tests.opinions.conftest import record

ENDPOINTS = {
    "opinions.index", "opinions.group", "opinions.mine", "opinions.document", "opinions.record", "opinions.answer",
    "opinions.correct", "opinions.report", "opinions.report_xlsx", "opinions.recorders", "opinions.recorder_remove",
}


def test_route_role_table(app, client, login, role_users, world, monkeypatch):
    opinion = record(world, "提案数字请核对。")
    # role_users' staff drafts the report (answers it); the group lead is named a recorder of 第一组 here so
    # that a worker who records is walked beside one who does not.
    services.add_recorder(role_users["secretariat"], world.meeting.id, group_id=world.first_group.id,
                          user_id=role_users["group_lead"].id)
    db.session.commit()
    monkeypatch.setattr(services, "remove_recorder", lambda *_args: None)
    d, o = world.report.id, opinion.id
    recorder_id = db.session.scalar(select(DiscussionRecorder.id).limit(1))
    cases = [
        Case("opinions.index", "/opinions/", READERS),
        # a group's page: readers, and the group's own members (role_users' member sits in 第一组)
        Case("opinions.group", f"/opinions/groups/{world.first_group.id}", READERS | {"member"}),
        Case("opinions.group", f"/opinions/groups/{world.second_group.id}", READERS),
        Case("opinions.mine", "/opinions/mine", {"member"}),
        Case("opinions.document", f"/opinions/documents/{d}", READERS),
        # the recording form: the secretariat, and workers named recorder of a group (staff is not, here)
        Case("opinions.record", f"/opinions/documents/{d}/new", {"admin", "secretariat", "group_lead"}),
        # answering: the drafting group (role_users' staff drafts the report) and the secretariat
        Case("opinions.answer", f"/opinions/{o}/answer", {"admin", "secretariat", "staff"}),
        # correcting an unanswered opinion's text: the secretariat and 第一组's recorders (the group lead here)
        Case("opinions.correct", f"/opinions/{o}/edit", {"admin", "secretariat", "group_lead"}),
        Case("opinions.report", f"/opinions/documents/{d}/report", READERS),
        Case("opinions.report_xlsx", f"/opinions/documents/{d}/report.xlsx", READERS),
        Case("opinions.recorders", "/opinions/recorders", MANAGERS),
        Case("opinions.recorder_remove", f"/opinions/recorders/{recorder_id}/remove", MANAGERS, method="POST"),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
