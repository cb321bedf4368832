from meetingprep.extensions import db
from meetingprep.instructions import services
from tests import factories
from tests.access import READERS, Case, check_cases

ENDPOINTS = {"instructions.index", "instructions.task_new", "instructions.document_new", "instructions.acknowledge",
             "instructions.reply", "instructions.supervise", "instructions.unsupervise"}
WRITERS = frozenset({"admin", "secretariat", "leader"})  # 批示 and 督办: leaders and the secretariat
ADDRESSEES = frozenset({"staff", "group_lead"})  # the task's owner and its group's lead


def test_route_role_table(app, client, login, role_users):
    group, staff = role_users["group"], role_users["staff"]
    task = factories.make_group_task(group, staff, title="布置主会场")
    document = factories.make_document(role_users["meeting"], drafters=[staff], title="常委会工作报告", group=group)
    db.session.commit()
    instruction = services.write_instruction(role_users["leader"], task, "请抓紧")
    db.session.commit()
    cases = [
        Case("instructions.index", "/instructions/", READERS),
        Case("instructions.index", "/instructions/?mine=1&pending=1&page=2", READERS),
        Case("instructions.task_new", f"/instructions/tasks/{task.id}", WRITERS, method="POST",
             data={"body": "请务必按时完成"}),
        Case("instructions.document_new", f"/instructions/documents/{document.id}", WRITERS, method="POST",
             data={"body": "数据要核准"}),
        Case("instructions.acknowledge", f"/instructions/{instruction.id}/acknowledge", ADDRESSEES, method="POST"),
        Case("instructions.reply", f"/instructions/{instruction.id}/reply", ADDRESSEES, method="POST",
             data={f"r{instruction.id}-body": "已办"}),
        Case("instructions.supervise", f"/instructions/tasks/{task.id}/supervise", WRITERS, method="POST",
             data={"leader_id": str(role_users["leader"].id), "note": "每天报告"}),
        Case("instructions.unsupervise", f"/instructions/tasks/{task.id}/unsupervise", WRITERS, method="POST"),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
