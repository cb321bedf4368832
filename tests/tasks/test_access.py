from meetingprep.extensions import db
from meetingprep.tasks.models import TaskAttachment
from meetingprep.tasks.states import TaskStatus
from meetingprep.uploads import store_bytes
from tests import factories
from tests.access import MANAGERS, READERS, Case, check_cases

ENDPOINTS = {
    "tasks.ledger", "tasks.mine", "tasks.board", "tasks.detail", "tasks.export_ledger", "tasks.bulk",
    "tasks.new", "tasks.edit", "tasks.transition", "tasks.progress", "tasks.comment", "tasks.attachment",
    "tasks.add_hand_off", "tasks.remove_hand_off", "tasks.hand_off_candidates",
    "tasks.former_add_hand_off", "tasks.former_remove_hand_off", "tasks.former_hand_off_candidates",
}
ASSIGNERS = MANAGERS | {"group_lead"}  # the lead of the task's group
ON_TASK = ASSIGNERS | {"staff"}  # …plus the owner


def test_route_role_table(app, client, login, role_users):
    group, staff = role_users["group"], role_users["staff"]
    task = factories.make_group_task(group, staff, title="布置会场")
    to_start = factories.make_group_task(group, staff, title="待开始")
    other = factories.make_group_task(group, staff, title="前置任务")
    link = factories.make_hand_off(other, task)
    stored = store_bytes(db.session, b"notes", "notes.txt", "txt")
    attachment = TaskAttachment(task_id=task.id, uploaded_by_id=staff.id, stored_name=stored.stored_name,
                                original_name="notes.txt", kind="txt", size=stored.size, sha256=stored.sha256)
    db.session.add(attachment)
    db.session.commit()
    assert to_start.status == TaskStatus.NOT_STARTED
    t = task.id
    cases = [
        Case("tasks.ledger", "/tasks/", READERS),
        Case("tasks.mine", "/tasks/mine", READERS),
        Case("tasks.board", f"/tasks/board/{group.id}", READERS),
        Case("tasks.detail", f"/tasks/{t}", READERS),
        Case("tasks.export_ledger", "/tasks/export.csv", READERS),
        Case("tasks.export_ledger", "/tasks/export.xlsx", READERS),
        Case("tasks.attachment", f"/tasks/{t}/attachments/{attachment.id}", READERS),
        Case("tasks.new", "/tasks/new", ASSIGNERS),
        Case("tasks.edit", f"/tasks/{t}/edit", ASSIGNERS),
        Case("tasks.bulk", "/tasks/bulk", ASSIGNERS, method="POST", data={"op": "phase", "phase": "during",
                                                                          "task_ids": [t]}),
        Case("tasks.transition", f"/tasks/{to_start.id}/transition/start", {"staff"}, method="POST"),
        Case("tasks.progress", f"/tasks/{t}/progress", ON_TASK, method="POST", data={"progress": "30"}),
        Case("tasks.comment", f"/tasks/{t}/comments", ON_TASK, method="POST", data={"body": "收到"}),
        Case("tasks.add_hand_off", f"/tasks/{t}/hand-offs", ASSIGNERS, method="POST",
             data={"predecessor_id": to_start.id}),
        Case("tasks.hand_off_candidates", f"/tasks/{t}/hand-off-candidates?q=前置", ASSIGNERS),
        Case("tasks.remove_hand_off", f"/tasks/{t}/hand-offs/{link.id}/delete", ASSIGNERS, method="POST"),
    ]
    cases += [  # the former addresses send on those who may manage the task's hand-offs
        Case("tasks.former_add_hand_off", f"/tasks/{t}/dependencies", ASSIGNERS, method="POST"),
        Case("tasks.former_hand_off_candidates", f"/tasks/{t}/link-candidates?q=前置", ASSIGNERS),
        Case("tasks.former_remove_hand_off", f"/tasks/{t}/dependencies/{link.id}/delete", ASSIGNERS,
             method="POST"),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
