import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from meetingprep import uploads
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership
from meetingprep.notifications.models import Notification
from meetingprep.plans import importer, services
from meetingprep.plans.models import PendingImport
from meetingprep.tasks.models import HandOff, Task, TaskCoworker, TaskPriority
from meetingprep.timeutil import to_local
from tests import factories
from tests.plans.helpers import HEADER, local, make_plan_task, meeting_opening, row, staffed_group, upload, xlsx


@pytest.fixture
def setting(app, time_machine):
    """The current meeting opens 2026-12-20 09:00; 会务组 (lead 王会务, member 李干事) and 材料组."""
    time_machine.move_to(local(2026, 11, 26, 10), tick=False)
    meeting = meeting_opening(local(2026, 12, 20, 9), name="政协第十届攀枝花市委员会第四次会议")
    hui, lead = staffed_group(meeting, "会务组", "wanghw", "王会务")
    member = factories.make_user("staff", username="ligs", display_name="李干事", group=hui)
    cai, cai_lead = staffed_group(meeting, "材料组", "zhaocl", "赵材料")
    existing = make_plan_task(meeting, hui, lead, title="布置会场", due_at=local(2026, 12, 18, 17))
    secretary = factories.make_user("secretariat", username="mishu", display_name="秘书处")
    db.session.commit()
    return {"meeting": meeting, "hui": hui, "lead": lead, "member": member, "cai": cai, "cai_lead": cai_lead,
            "existing": existing, "secretary": secretary}


def _preview(setting, rows):
    return importer.parse_workbook(xlsx(rows), setting["meeting"])


def _issues(result_row):
    return {(issue.column, issue.level) for issue in result_row.issues}


def test_preview_marks_each_row_new_warning_or_error_with_column_and_reason(setting):
    existing = setting["existing"]
    preview = _preview(setting, [
        row("印制证件", group="会务组", owner="李干事", coworkers="赵材料", priority="重要", starts_on="2026-12-01",
            due="开幕前7天 17:00"),                                                         # 2 new
        row("布置会场", group="会务组", owner="wanghw", due="2026-12-19 12:00"),              # 3 dup of existing
        row("校对报告", group="材料组", due="2026-12-15 17:00"),                              # 4 no owner → lead
        row("校对报告", group="材料组", owner="zhaocl", due="2026/12/16 9:00"),              # 5 dup in file
        row("迎宾", group="礼宾组", owner="wanghw", due="开幕当天 08:00"),                    # 6 unknown group
        row("安排车辆", group="会务组", owner="赵材料", due="开幕前3天 17:00"),               # 7 owner not in group
        row("准备茶歇", group="会务组", owner="李干事", due="下周五"),                          # 8 bad date
        row("甲", group="会务组", owner="李干事", due="开幕前2天 17:00", predecessors="10"),          # 9 cycle 9→10→9
        row("乙", group="会务组", owner="李干事", due="开幕前2天 18:00", predecessors="9"),           # 10
        row("丙", group="会务组", owner="李干事", due="开幕前1天 18:00", predecessors=f"2, #{existing.id}"),  # 11 ok
        row("丁", group="会务组", owner="查无此人", phase="会间", due="开幕后1天 09:00",
            predecessors="#999999 40"),  # 12
        row("", group="会务组", due="2026-12-01 10:00", starts_on="十二月"),                  # 13 no title
    ])
    by_number = {r.number: r for r in preview.rows}
    assert [r.number for r in preview.rows] == list(range(2, 14))
    assert by_number[2].status == "new" and by_number[2].issues == []
    assert by_number[3].status == "warning" and ("任务", "warning") in _issues(by_number[3])
    assert "已有同名任务" in by_number[3].issues[0].message
    assert by_number[4].status == "warning" and "组长赵材料" in by_number[4].issues[0].message
    assert by_number[5].status == "warning" and "与第 4 行同组同名" in by_number[5].issues[0].message
    assert by_number[6].status == "error" and ("责任组", "error") in _issues(by_number[6])
    assert "礼宾组" in by_number[6].issues[0].message
    assert by_number[7].status == "error" and "不是会务组的成员" in by_number[7].issues[0].message
    assert by_number[8].status == "error" and ("时间节点", "error") in _issues(by_number[8])
    for number in (9, 10):
        assert by_number[number].status == "error"
        assert any("循环" in i.message and i.column == "前置任务" for i in by_number[number].issues)
    assert by_number[11].status == "new"
    messages = " ".join(i.message for i in by_number[12].issues)
    assert by_number[12].status == "error"
    assert "查无此人" in messages and "会间" in messages and "999999" in messages and "第 40 行" in messages
    assert {("任务", "error"), ("开始日期", "error")} <= _issues(by_number[13])
    assert (preview.count("new"), preview.count("warning"), preview.error_count) == (2, 3, 7)

    spec = by_number[2].spec
    assert spec.owner_id == setting["member"].id and spec.coworker_ids == [setting["cai_lead"].id]
    assert spec.priority == TaskPriority.HIGH and spec.starts_on == dt.date(2026, 12, 1)
    assert to_local(spec.due_at) == local(2026, 12, 13, 17) and spec.due_offset_days == -7
    assert to_local(by_number[5].spec.due_at) == local(2026, 12, 16, 9) and by_number[5].spec.due_offset_days is None
    assert by_number[11].spec.predecessors == [0] and by_number[11].spec.predecessor_task_ids == [existing.id]


def test_coworkers_must_be_staff_and_start_cannot_follow_the_deadline(setting):
    factories.make_user("member", username="weiyuan", display_name="王委员")
    db.session.commit()
    preview = _preview(setting, [row("一", group="会务组", coworkers="王委员", starts_on="2026-12-20",
                                     due="2026-12-15 17:00")])
    messages = {i.column: i.message for i in preview.rows[0].issues}
    assert preview.rows[0].status == "error"
    assert "委员账号" in messages["协办人"] and "不能晚于时间节点" in messages["开始日期"]


def test_import_is_refused_while_any_row_is_in_error(setting, client, login):
    login(setting["secretary"])
    data = xlsx([row("印制证件", group="会务组", due="开幕前7天 17:00"),
                 row("迎宾", group="礼宾组", due="开幕当天 08:00")])
    response = upload(client, data, setting["meeting"].id)
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "错误 1" in page and "本次会议没有名为「礼宾组」的工作组" in page and "导入 2 项任务" not in page

    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    refused = client.post(f"/plans/import/{token}/commit", follow_redirects=True)
    assert "还有 1 行有错误" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Task.id))) == 1  # only the pre-existing task
    assert db.session.scalar(select(func.count(PendingImport.id))) == 1


def test_import_commits_every_row_in_one_go_with_coworkers_and_hand_offs(setting, client, login):
    login(setting["secretary"])
    existing = setting["existing"]
    data = xlsx([row("印制证件", group="会务组", owner="ligs", coworkers="赵材料、wanghw", due="开幕前7天 17:00"),
                 row("发放证件", group="会务组", due="开幕前1天 17:00", predecessors=f"2 #{existing.id}")])
    token = upload(client, data, setting["meeting"].id).headers["Location"].rsplit("/", 1)[-1]
    pending = db.session.scalar(select(PendingImport))
    stored = uploads.stored_path(pending.stored_name)
    assert stored.exists()

    response = client.post(f"/plans/import/{token}/commit")
    assert response.status_code == 302 and "/plans/calendar?month=2026-12" in response.headers["Location"]
    tasks = {t.title: t for t in db.session.scalars(select(Task).where(Task.title.in_(["印制证件", "发放证件"])))}
    assert tasks["印制证件"].owner_id == setting["member"].id
    assert tasks["发放证件"].owner_id == setting["lead"].id
    assert tasks["印制证件"].due_offset_days == -7
    coworkers = set(db.session.scalars(
        select(TaskCoworker.user_id).where(TaskCoworker.task_id == tasks["印制证件"].id)))
    assert coworkers == {setting["cai_lead"].id, setting["lead"].id}
    links = set(db.session.execute(select(HandOff.predecessor_id, HandOff.successor_id)).all())
    assert links == {(tasks["印制证件"].id, tasks["发放证件"].id), (existing.id, tasks["发放证件"].id)}
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0
    assert not stored.exists()
    notes = db.session.scalars(select(Notification).where(Notification.kind == "task.assigned")).all()
    assert {(n.recipient_id, n.subject) for n in notes} == {
        (setting["member"].id, "您有 1 项新任务（从表格「施工图.xlsx」导入）"),
        (setting["lead"].id, "您有 1 项新任务（从表格「施工图.xlsx」导入）")}
    back = client.get(f"/plans/import/{token}", follow_redirects=True)  # the browser's Back, or a second click
    assert back.request.path == "/plans/import" and "这次上传已经导入、已放弃或已过期" in back.get_data(as_text=True)
    again = client.post(f"/plans/import/{token}/commit")
    assert again.status_code == 302 and again.headers["Location"].endswith("/plans/import")
    assert db.session.scalar(select(func.count(Task.id)).where(Task.title == "印制证件")) == 1


def test_confirm_rechecks_the_file_and_imports_nothing_if_a_row_went_bad(setting, client, login):
    """Preview clean, then 李干事 leaves 会务组: the confirm re-parses, refuses, and no row is created."""
    login(setting["secretary"])
    data = xlsx([row("一", group="会务组", owner="wanghw", due="开幕前7天 17:00"),
                 row("二", group="会务组", owner="李干事", due="开幕前6天 17:00")])
    token = upload(client, data, setting["meeting"].id).headers["Location"].rsplit("/", 1)[-1]
    assert "错误 0" in client.get(f"/plans/import/{token}").get_data(as_text=True)
    db.session.execute(GroupMembership.__table__.delete().where(GroupMembership.user_id == setting["member"].id))
    db.session.commit()
    refused = client.post(f"/plans/import/{token}/commit", follow_redirects=True).get_data(as_text=True)
    assert "还有 1 行有错误" in refused and "不是会务组的成员" in refused
    assert db.session.scalar(select(func.count(Task.id)).where(Task.title.in_(["一", "二"]))) == 0


def test_the_downloadable_template_round_trips_through_the_importer(setting, client, login):
    login(setting["secretary"])
    response = client.get("/plans/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in workbook["任务"][1]] == HEADER
    assert "填写说明" in workbook.sheetnames

    token = upload(client, response.data, setting["meeting"].id, "导入模板.xlsx").headers["Location"].rsplit("/", 1)[-1]
    preview = importer.parse_workbook(services.pending_data(db.session.scalar(select(PendingImport))),
                                      setting["meeting"])
    assert preview.rows and all(r.status == "new" for r in preview.rows)
    assert client.post(f"/plans/import/{token}/commit").status_code == 302
    first, second = (db.session.scalar(select(Task).where(Task.title == r.values["title"])) for r in preview.rows)
    assert db.session.scalar(select(HandOff).where(HandOff.successor_id == second.id)) \
        .predecessor_id == first.id


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"not a workbook", "a.xlsx", "不是有效的"),
    (xlsx([["x"]], header=["名称", "组"]), "a.xlsx", "缺少这些列：任务、责任组、时间节点"),
    (b"hello", "a.csv", "不支持"),
])
def test_bad_files_are_refused_on_upload_with_a_reason(setting, client, login, data, name, message):
    login(setting["secretary"])
    response = upload(client, data, setting["meeting"].id, name)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0


def test_upload_without_a_file_keeps_the_form(setting, client, login):
    login(setting["secretary"])
    response = client.post("/plans/import", data={"meeting_id": setting["meeting"].id})
    assert response.status_code == 400 and "请选择要上传的文件" in response.get_data(as_text=True)


def test_pending_imports_expire_and_discard_removes_the_file(setting, client, login, time_machine):
    login(setting["secretary"])
    data = xlsx([row("一", group="会务组", due="开幕前7天 17:00")])
    old_token = upload(client, data, setting["meeting"].id).headers["Location"].rsplit("/", 1)[-1]
    old_file = uploads.stored_path(db.session.scalar(select(PendingImport)).stored_name)
    time_machine.move_to(local(2026, 11, 27, 11), tick=False)
    login(setting["secretary"])  # a fresh login: the old one outlived its 12 hours
    expired = client.get(f"/plans/import/{old_token}")
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/plans/import")
    new_token = upload(client, data, setting["meeting"].id).headers["Location"].rsplit("/", 1)[-1]
    assert not old_file.exists()  # purged when the next upload came in
    assert db.session.scalar(select(func.count(PendingImport.id))) == 1
    new_file = uploads.stored_path(db.session.scalar(select(PendingImport)).stored_name)
    assert client.post(f"/plans/import/{new_token}/discard").status_code == 302
    assert not new_file.exists() and db.session.scalar(select(func.count(PendingImport.id))) == 0
    assert client.get(f"/plans/import/{new_token}").headers["Location"].endswith("/plans/import")  # discarded
    assert client.get("/plans/import/" + "x" * 200).headers["Location"].endswith("/plans/import")
    assert client.get("/plans/import/%00").status_code == 400  # a NUL byte is refused before routing


def test_preview_filters_and_pages(setting, client, login):
    login(setting["secretary"])
    rows = [row(f"任务{n}", group="会务组", due="开幕前7天 17:00") for n in range(250)]
    rows.append(row("坏行", group="礼宾组", due="开幕前7天 17:00"))
    token = upload(client, xlsx(rows), setting["meeting"].id).headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/plans/import/{token}").get_data(as_text=True)
    assert "第 1 / 2 页" in page and page.count('data-status="') == 200
    errors = client.get(f"/plans/import/{token}?show=error").get_data(as_text=True)
    assert errors.count('data-status="error"') == 1 and 'data-row="252"' in errors


def test_checking_a_sheet_costs_the_same_queries_for_10_and_500_rows(setting, count_queries):
    def rows(n):
        return [row(f"任务{i}", group="会务组" if i % 2 else "材料组", owner="李干事" if i % 2 else "",
                    coworkers="赵材料", due=f"开幕前{i % 20 + 1}天 17:00", predecessors=str(i + 1) if i else "")
                for i in range(n)]

    counts = []
    for n in (10, 500):
        data = xlsx(rows(n))
        db.session.commit()  # both runs start alike: nothing cached, a transaction already begun
        db.session.connection()
        with count_queries() as counter:
            preview = importer.parse_workbook(data, setting["meeting"])
        assert len(preview.rows) == n and preview.error_count == 0
        counts.append(counter.count)
    assert counts[0] == counts[1]
