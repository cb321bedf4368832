from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from flask import g, render_template_string
from openpyxl import load_workbook
from sqlalchemy import func, select

from meetingprep.extensions import db
from meetingprep.tasks.models import Task, TaskAttachment, TaskComment, TaskCoworker
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now, to_local
from tests import factories

S = TaskStatus


def task_form(world, **changes) -> dict:
    values = {"title": "布置主会场", "description": "主席台、代表席", "group_id": world.affairs.id,
              "owner_id": world.affairs_staff.id, "phase": "before", "priority": "high", "due_mode": "relative",
              "offset_direction": "before", "offset_days": "2", "offset_time": "17:00"}
    values.update(changes)
    return values


def test_pages_render_for_a_worker(client, login, world):
    task = factories.make_group_task(world.materials, world.staff, title="起草工作报告")
    db.session.commit()
    login(world.staff)
    for url in ("/tasks/", "/tasks/mine", f"/tasks/board/{world.materials.id}", f"/tasks/{task.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "起草工作报告" in response.text, url


def test_create_task_relative_deadline_shown_in_both_forms(client, login, world):
    login(world.secretariat)
    response = client.post("/tasks/new", data=task_form(world))
    assert response.status_code == 302
    task = db.session.scalar(select(Task).where(Task.title == "布置主会场"))
    assert task.due_offset_days == -2 and task.owner_id == world.affairs_staff.id
    page = client.get(f"/tasks/{task.id}").text
    opening_day = to_local(world.meeting.opens_at).date() - dt.timedelta(days=2)
    assert f"{opening_day.year}年{opening_day.month}月{opening_day.day}日" in page
    assert "开幕前 2 天 17:00" in page


def test_bad_input_kept_with_chinese_messages(client, login, world):
    login(world.secretariat)
    response = client.post("/tasks/new", data=task_form(world, title="", offset_days="abc",
                                                         description="保留我的说明"))
    assert response.status_code == 400
    assert "请填写任务名称" in response.text
    assert "保留我的说明" in response.text
    response = client.post("/tasks/new", data=task_form(world, due_mode="absolute", due_at=""))
    assert response.status_code == 400 and "请填写固定的时间节点" in response.text
    response = client.post("/tasks/new", data=task_form(world, owner_id=world.staff.id, title="错组"))
    assert response.status_code == 400 and "责任人必须是「会务组」的成员" in response.text
    assert 'value="错组"' in response.text
    response = client.post("/tasks/new", data=task_form(world, group_id="99999", title="x" * 300))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Task.id))) == 0


def test_group_lead_form_offers_only_own_group(client, login, world):
    login(world.lead)
    page = client.get("/tasks/new").text
    assert "材料组" in page and ">会务组<" not in page
    response = client.post("/tasks/new", data=task_form(world))
    assert response.status_code == 400  # 会务组 is not a valid choice for the 材料组 lead
    assert db.session.scalar(select(func.count(Task.id))) == 0


def test_stale_edit_is_refused_with_input_kept(client, login, world):
    task = factories.make_group_task(world.affairs, world.affairs_staff, title="原标题")
    db.session.commit()
    login(world.secretariat)
    stale = task.version_id
    first = client.post(f"/tasks/{task.id}/edit", data=task_form(world, title="甲的修改", version_id=stale))
    assert first.status_code == 302
    response = client.post(f"/tasks/{task.id}/edit", data=task_form(world, title="乙的修改", version_id=stale))
    assert response.status_code == 409
    assert "已被他人修改" in response.text and 'value="乙的修改"' in response.text
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "甲的修改"


def test_transition_flow_over_http(client, login, world):
    task = factories.make_group_task(world.materials, world.staff)
    db.session.commit()
    login(world.staff)
    assert client.post(f"/tasks/{task.id}/transition/start").status_code == 302
    response = client.post(f"/tasks/{task.id}/transition/submit", data={"note": ""})
    assert response.status_code == 400 and "请填写完成情况" in response.text
    response = client.post(f"/tasks/{task.id}/transition/accept")
    assert response.status_code == 403
    client.post(f"/tasks/{task.id}/transition/submit", data={"note": "已完成初稿"})
    login(world.lead)
    page = client.get(f"/tasks/{task.id}").text
    assert "验收通过" in page and "退回" in page
    response = client.post(f"/tasks/{task.id}/transition/return", data={"note": ""})
    assert response.status_code == 400 and "请填写退回原因" in response.text
    client.post(f"/tasks/{task.id}/transition/return", data={"note": "数据要更新"})
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == S.RETURNED
    response = client.post(f"/tasks/{task.id}/transition/start")
    assert response.status_code == 403  # the lead is not the owner (and start is not a step from 退回)
    response = client.post(f"/tasks/{task.id}/transition/nonsense")
    assert response.status_code == 404


def test_task_page_shows_every_step_oldest_first_and_its_trail_newest_first(client, login, world):
    """办理经过 and 变更记录 come from one statement (TaskEvents and the audit trail as rows): each list in its
    order, with who did it, the statuses as labels and the recorded field values (JSON) as values."""
    task = factories.make_group_task(world.materials, world.staff, title="汇总提案")
    db.session.commit()
    login(world.staff)
    client.post(f"/tasks/{task.id}/transition/start")
    client.post(f"/tasks/{task.id}/transition/submit", data={"note": "已完成初稿"})
    login(world.lead)
    client.post(f"/tasks/{task.id}/transition/return", data={"note": "数据要更新"})
    page = client.get(f"/tasks/{task.id}").text
    history = page[page.index('id="history"'):page.index('id="hand-offs"')]
    steps = re.findall(r"<strong>(.+?)</strong> · (.+?)</div>", history)
    assert steps == [("开始办理", "张三"), ("提交验收", "张三"), ("退回", "材料组长")]
    assert "进行中 → 待验收" in history and "数据要更新" in history
    trail = page[page.index('class="audit-trail"'):]
    actions = re.findall(r'<span class="history-action fw-semibold">(.+?)</span>', trail)
    assert actions == ["退回", "提交验收", "开始办理", "创建"]  # newest first, one row per change
    assert "待验收 → 退回：数据要更新" in trail
    assert re.search(r"<dt>退回/取消原因：</dt><dd><del[^>]*>（空）</del> → 数据要更新</dd>", trail)
    assert "<dt>责任人：</dt><dd>张三</dd>" in trail and "<dt>状态：</dt><dd>未开始</dd>" in trail  # names, labels
    assert "returned" not in trail and "owner_id" not in trail and "创建时间" not in trail


def test_illegal_transition_shows_clear_message(client, login, world):
    task = factories.make_group_task(world.materials, world.staff, status=S.DONE)
    db.session.commit()
    login(world.staff)
    response = client.post(f"/tasks/{task.id}/transition/start")
    assert response.status_code == 409 and "任务当前状态为「已完成」，不能开始办理" in response.text


def test_ledger_filters_sort_counts_and_pagination(app, client, login, world, time_machine):
    app.config["PAGE_SIZE"] = 5
    for n in range(7):
        factories.make_group_task(world.materials, world.staff, title=f"材料任务{n}", due_in_days=n + 1)
    factories.make_group_task(world.affairs, world.affairs_staff, title="会务任务", status=S.SUBMITTED)
    factories.make_group_task(world.affairs, world.affairs_staff, title="已逾期会务", due_in_days=-2)
    db.session.commit()
    login(world.leader)
    page = client.get(f"/tasks/?group={world.materials.id}").text
    assert "材料任务0" in page and "材料任务5" not in page and "会务任务" not in page
    assert "第 1 / 2 页" in page
    page2 = client.get(f"/tasks/?group={world.materials.id}&page=2").text
    assert "材料任务5" in page2 and "材料任务6" in page2
    page = client.get("/tasks/?overdue=1").text
    assert "已逾期会务" in page and "材料任务0" not in page
    page = client.get("/tasks/?q=会务&sort=title").text
    assert page.index("会务任务") < page.index("已逾期会务") and "材料任务" not in page
    page = client.get("/tasks/?q=会务&sort=-title").text
    assert page.index("会务任务") > page.index("已逾期会务")
    page = client.get("/tasks/?status=submitted").text
    assert "会务任务" in page and "材料任务0" not in page
    assert "待验收 <span class=\"badge text-bg-warning\">1</span>" in page
    page = client.get("/tasks/?due_within=3").text
    assert "材料任务1" in page and "材料任务4" not in page
    # malformed parameters are ignored, never a 500
    assert client.get("/tasks/?group=abc&status=zzz&page=-3&due_within=x&sort=drop").status_code == 200


def test_ledger_filter_pick_lists_mark_the_chosen_group_and_owner_only(client, login, world):
    """Only the chosen group and owner are marked, and choosing one does not change the kept list."""
    factories.make_group_task(world.materials, world.staff)
    db.session.commit()
    login(world.leader)

    def selected(page: str, select_id: str) -> list[str]:
        select = page[page.index(f'id="{select_id}"'):]
        return re.findall(r'<option value="(\d+)" selected>', select[:select.index("</select>")])

    plain = client.get("/tasks/").text
    assert selected(plain, "f-group") == [] and selected(plain, "f-owner") == []
    chosen = client.get(f"/tasks/?group={world.materials.id}&owner={world.staff.id}").text
    assert selected(chosen, "f-group") == [str(world.materials.id)]
    assert selected(chosen, "f-owner") == [str(world.staff.id)]
    assert selected(client.get("/tasks/").text, "f-owner") == []  # the kept list was not changed


def test_ledger_rows_escape_every_text(client, login, world):
    """Every text of a row is escaped: the title, in the link and the checkbox's label."""
    factories.make_group_task(world.materials, world.staff, title='<img src=x onerror="go()">&')
    db.session.commit()
    login(world.secretariat)
    page = client.get("/tasks/").text
    assert "<img src=x" not in page
    assert page.count("&lt;img src=x onerror=&#34;go()&#34;&gt;&amp;") == 2  # link text and aria-label


def test_ledger_marks_rows_waiting_for_an_open_predecessor_and_counts_match_the_total(client, login, world):
    first = factories.make_group_task(world.affairs, world.affairs_staff, title="前置未完", due_in_days=1)
    done = factories.make_group_task(world.affairs, world.affairs_staff, title="前置已完", status=S.DONE)
    waiting = factories.make_group_task(world.materials, world.staff, title="在等前置", due_in_days=2)
    free = factories.make_group_task(world.materials, world.staff, title="前置已放行", due_in_days=3)
    factories.make_hand_off(first, waiting)
    factories.make_hand_off(done, free)
    db.session.commit()
    login(world.secretariat)
    page = client.get("/tasks/").text
    rows = {title: page[page.index(title):page.index("</tr>", page.index(title))]
            for title in ("前置未完", "在等前置", "前置已放行")}
    assert "等待前置任务" in rows["在等前置"]
    assert "等待前置任务" not in rows["前置已放行"] and "等待前置任务" not in rows["前置未完"]
    assert "共 4 项" in page and "全部 4" in page
    page = client.get("/tasks/?waiting=1&status=not_started").text
    assert "在等前置" in page and "前置已放行" not in page and "共 1 项" in page


def test_export_csv_and_xlsx_follow_the_filter(client, login, world):
    factories.make_group_task(world.materials, world.staff, title="材料任务")
    factories.make_group_task(world.affairs, world.affairs_staff, title="会务任务")
    db.session.commit()
    login(world.secretariat)
    response = client.get(f"/tasks/export.csv?group={world.materials.id}")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "责任组", "任务"] and len(rows) == 2 and rows[1][2] == "材料任务"
    response = client.get("/tasks/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert "任务台账" in sheet["A1"].value
    assert sheet["C2"].value == "任务"
    assert {sheet["C3"].value, sheet["C4"].value} == {"材料任务", "会务任务"}
    assert sheet.column_dimensions["C"].width >= 30
    assert "A1:L1" in {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A3"


def test_bulk_edit_reports_refused_rows(client, login, world):
    mine = factories.make_group_task(world.materials, world.staff, title="本组任务")
    other = factories.make_group_task(world.affairs, world.affairs_staff, title="他组任务")
    db.session.commit()
    login(world.lead)
    response = client.post("/tasks/bulk", data={"task_ids": [mine.id, other.id], "op": "reassign",
                                                "owner_id": world.staff2.id, "back": "/tasks/"},
                           follow_redirects=True)
    assert "已修改 1 项任务" in response.text
    assert "未修改「他组任务」" in response.text
    db.session.expire_all()
    assert db.session.get(Task, mine.id).owner_id == world.staff2.id
    assert db.session.get(Task, other.id).owner_id == world.affairs_staff.id
    response = client.post("/tasks/bulk", data={"task_ids": [mine.id], "op": "cancel", "reason": ""},
                           follow_redirects=True)
    assert "请填写取消原因" in response.text


def test_board_caps_cards_and_links_to_ledger(client, login, world):
    for n in range(35):
        factories.make_group_task(world.materials, world.staff, title=f"卡片{n:02d}", due_in_days=n - 3)
    db.session.commit()
    login(world.lead)
    page = client.get(f"/tasks/board/{world.materials.id}").text
    assert page.count('class="card card-body p-2 mb-2') == 30
    assert "卡片00" in page and "卡片34" not in page  # most urgent (overdue first) shown
    assert "查看全部 35 项" in page
    assert f"/tasks/?group={world.materials.id}&amp;status=not_started" in page


def test_board_closed_columns_show_the_latest_closed_and_other_groups_stay_out(client, login, world):
    moment = now()
    for n in range(33):
        factories.make_group_task(world.materials, world.staff, title=f"办结{n:02d}", status=S.DONE,
                                  due_in_days=-n, updated_at=moment - dt.timedelta(hours=n))
    factories.make_group_task(world.materials, world.staff, title="进行中的", status=S.IN_PROGRESS)
    factories.make_group_task(world.affairs, world.affairs_staff, title="别组的", status=S.IN_PROGRESS)
    db.session.commit()
    login(world.lead)
    page = client.get(f"/tasks/board/{world.materials.id}").text
    assert "办结00" in page and "办结29" in page and "办结30" not in page  # latest closed first
    assert page.index("办结00") < page.index("办结01") < page.index("办结29")
    assert "进行中的" in page and "别组的" not in page
    assert "查看全部 33 项" in page


def test_comment_with_attachment_and_download_permission(client, login, world):
    task = factories.make_group_task(world.materials, world.staff)
    db.session.commit()
    login(world.staff)
    response = client.post(f"/tasks/{task.id}/comments", data={
        "body": "附上提纲 @cailiao_lead", "files": [(io.BytesIO("一、总体情况".encode()), "提纲.txt")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    attachment = db.session.scalar(select(TaskAttachment))
    assert attachment.original_name == "提纲.txt" and attachment.comment_id is not None
    download = client.get(f"/tasks/{task.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == "一、总体情况".encode()
    assert download.headers["Content-Disposition"].startswith("attachment")
    login(world.member)
    assert client.get(f"/tasks/{task.id}/attachments/{attachment.id}").status_code == 403
    login(world.staff)
    other = factories.make_group_task(world.affairs, world.affairs_staff)
    db.session.commit()
    assert client.get(f"/tasks/{other.id}/attachments/{attachment.id}").status_code == 404
    response = client.post(f"/tasks/{task.id}/comments", data={
        "body": "危险文件", "files": [(io.BytesIO(b"MZ\x90\x00"), "virus.exe")]}, content_type="multipart/form-data")
    assert response.status_code == 400 and "不支持这种文件类型" in response.text and "危险文件" in response.text
    assert db.session.scalar(select(func.count(TaskComment.id))) == 1


def test_submit_with_evidence(client, login, world):
    task = factories.make_group_task(world.materials, world.staff, status=S.IN_PROGRESS)
    db.session.commit()
    login(world.staff)
    response = client.post(f"/tasks/{task.id}/transition/submit", data={
        "note": "已完成", "evidence": [(io.BytesIO(b"%PDF-1.4 test"), "签收单.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    evidence = db.session.scalar(select(TaskAttachment).where(TaskAttachment.is_evidence.is_(True)))
    assert evidence.original_name == "签收单.pdf"
    assert "签收单.pdf" in client.get(f"/tasks/{task.id}").text


def test_hand_off_cycle_message_on_page(client, login, world):
    a = factories.make_group_task(world.materials, world.staff, title="甲")
    b = factories.make_group_task(world.affairs, world.affairs_staff, title="乙")
    factories.make_hand_off(a, b)
    db.session.commit()
    login(world.secretariat)
    response = client.post(f"/tasks/{a.id}/hand-offs", data={"predecessor_id": b.id})
    assert response.status_code == 400 and "形成循环：甲 → 乙 → 甲" in response.text
    page = client.get(f"/tasks/{b.id}").text
    assert "等待前置任务" in page


def test_hand_off_picker_lists_own_group_first_and_search_reaches_the_whole_meeting(client, login, world):
    task = factories.make_group_task(world.materials, world.staff, title="本任务", due_in_days=40)
    group_tasks = [factories.make_group_task(world.materials, world.staff2, title=f"本组{n:02d}", due_in_days=n)
                   for n in range(32)]
    factories.make_group_task(world.materials, world.staff2, title="本组已取消", status=S.CANCELLED, due_in_days=-5)
    far = factories.make_group_task(world.affairs, world.affairs_staff, title="会务组印制证件", due_in_days=3)
    cancelled = factories.make_group_task(world.affairs, world.affairs_staff, title="会务组已取消",
                                          status=S.CANCELLED)
    elsewhere = factories.make_group_task(factories.make_group(factories.make_meeting(), name="别的会议组"),
                                          title="别的会议的任务")
    db.session.commit()
    login(world.lead)
    page = client.get(f"/tasks/{task.id}").text
    picker = page[page.index('id="hand-off-picker"'):page.index("</section>", page.index('id="hand-off-picker"'))]
    assert picker.count("<option ") == 30 and "材料组｜本组00" in picker and "材料组｜本组29" in picker
    assert "本组30" not in picker and "会务组印制证件" not in picker
    assert "已取消" not in picker and "｜本任务" not in picker
    assert "下拉框列出本组时间节点最早的 30 项" in picker and "请在上面输入名称或编号查找" in picker
    # the group's list is shared by its tasks (kept): each leaves itself out and still lists 30
    first = client.get(f"/tasks/{group_tasks[0].id}").text
    picker = first[first.index('id="hand-off-picker"'):first.index("</section>", first.index('id="hand-off-picker"'))]
    assert picker.count("<option ") == 30 and "｜本组00" not in picker and "材料组｜本组30" in picker
    page = client.get(f"/tasks/{task.id}?hand_off_q=印制").text
    assert "会务组｜会务组印制证件" in page and "本组00" not in page and "按时间节点列出 1 项" in page
    assert "会务组｜会务组印制证件" in client.get(f"/tasks/{task.id}?hand_off_q=%23{far.id}").text
    assert "没有找到与「不存在的字词」相符的任务" in client.get(f"/tasks/{task.id}?hand_off_q=不存在的字词").text
    assert "没有找到与「已取消」相符的任务" in client.get(f"/tasks/{task.id}?hand_off_q=已取消").text
    found = client.get(f"/tasks/{task.id}/hand-off-candidates?q=证件").get_json()
    assert found == {"q": "证件", "items": [{"id": far.id, "label": "会务组｜会务组印制证件"}]}
    assert len(client.get(f"/tasks/{task.id}/hand-off-candidates").get_json()["items"]) == 30
    # any task of the meeting may be linked, listed or not; cancelled ones and other meetings' may not
    for refused in (cancelled, elsewhere, task):
        response = client.post(f"/tasks/{task.id}/hand-offs", data={"predecessor_id": refused.id})
        assert response.status_code == 400 and "is-invalid" in response.text
    response = client.post(f"/tasks/{task.id}/hand-offs", data={"predecessor_id": far.id})
    assert response.status_code == 302
    assert "会务组印制证件" in client.get(f"/tasks/{task.id}").text.split("前置任务（先完成）")[1]


def test_my_tasks_buckets(client, login, world):
    factories.make_group_task(world.materials, world.staff, title="逾期的", due_in_days=-1)
    factories.make_group_task(world.materials, world.staff, title="快到期", due_in_days=3)
    pre = factories.make_group_task(world.affairs, world.affairs_staff, title="别组前置", due_in_days=20)
    waiting = factories.make_group_task(world.materials, world.staff, title="等别人", due_in_days=20)
    factories.make_hand_off(pre, waiting)
    factories.make_group_task(world.materials, world.staff, title="远期的", due_in_days=30)
    factories.make_group_task(world.materials, world.staff, title="办完的", status=S.DONE)
    factories.make_group_task(world.materials, world.staff2, title="别人的")
    db.session.commit()
    login(world.staff)
    page = client.get("/tasks/mine").text
    order = [page.index(t) for t in ("逾期的", "快到期", "等别人", "远期的", "办完的")]
    assert order == sorted(order) and "别人的" not in page
    for heading in ("已逾期（1）", "7 天内到期（1）", "等待前置任务（1）", "其他进行中的任务（1）"):
        assert heading in page
    assert 'id="mine-cap"' not in page  # everything fits: no cap notice


def test_my_tasks_lists_the_most_urgent_fifty_with_true_counts_and_links_to_all(client, login, world):
    for n in range(52):
        factories.make_group_task(world.materials, world.staff, title=f"我的{n:02d}", due_in_days=n - 1.5)
    coworked = factories.make_group_task(world.materials, world.staff2, title="远期协办", due_in_days=100)
    db.session.add(TaskCoworker(task_id=coworked.id, user_id=world.staff.id))
    factories.make_group_task(world.materials, world.staff, title="办完的", status=S.DONE)
    factories.make_group_task(world.materials, world.staff2, title="别人的")
    db.session.commit()
    login(world.staff)
    page = client.get("/tasks/mine").text
    assert page.count('class="list-group-item list-group-item-action"') == 50
    assert "我的00" in page and "我的49" in page and "我的50" not in page and "远期协办" not in page
    assert "已逾期（2）" in page and "7 天内到期（7）" in page and "其他进行中的任务（44）" in page
    assert "本页列出 41 项" in page  # 44 others, 41 of them on the page
    assert "您有 53 项未办结的任务" in page and "查看全部 53 项" in page
    link = f"/tasks/?involving={world.staff.id}&amp;open=1"
    assert link in page
    ledger = client.get(link.replace("&amp;", "&")).text
    assert "共 53 项" in ledger and "我的00" in ledger
    assert "张三</strong> 负责或协办的任务" in ledger and "办完的" not in ledger and "别人的" not in ledger


def test_my_tasks_lists_a_task_once_when_its_owner_is_also_a_coworker(client, login, world):
    both = factories.make_group_task(world.materials, world.staff, title="既负责又协办")
    done = factories.make_group_task(world.materials, world.staff, title="办完也协办", status=S.DONE)
    db.session.add_all([TaskCoworker(task_id=both.id, user_id=world.staff.id),
                        TaskCoworker(task_id=done.id, user_id=world.staff.id)])  # e.g. after a bulk reassign
    db.session.commit()
    login(world.staff)
    page = client.get("/tasks/mine").text
    assert page.count("既负责又协办") == 1 and page.count("办完也协办") == 1 and "其他进行中的任务（1）" in page


def test_ledger_involving_keeps_to_its_person_and_open_hides_closed(client, login, world):
    factories.make_group_task(world.materials, world.staff, title="张三负责")
    helped = factories.make_group_task(world.affairs, world.affairs_staff, title="张三协办")
    db.session.add(TaskCoworker(task_id=helped.id, user_id=world.staff.id))
    factories.make_group_task(world.materials, world.staff, title="张三办完", status=S.DONE)
    factories.make_group_task(world.materials, world.staff2, title="李四负责")
    db.session.commit()
    login(world.secretariat)
    page = client.get(f"/tasks/?involving={world.staff.id}").text
    assert all(t in page for t in ("张三负责", "张三协办", "张三办完")) and "李四负责" not in page
    assert f'name="involving" value="{world.staff.id}"' in page  # kept when the filter form is sent again
    page = client.get(f"/tasks/?involving={world.staff.id}&open=1").text
    assert "张三负责" in page and "张三办完" not in page and "共 2 项" in page
    assert "李四负责" in client.get("/tasks/?open=1").text


@pytest.mark.parametrize("url", ["/tasks/999999", "/tasks/999999/edit", "/tasks/board/999999"])
def test_unknown_ids_are_404(client, login, world, url):
    login(world.secretariat)
    assert client.get(url).status_code == 404


def test_group_page_partial_counts_and_links(app, login, world):
    factories.make_group_task(world.materials, world.staff, due_in_days=-1)
    factories.make_group_task(world.materials, world.staff, status=S.DONE)
    db.session.commit()
    with app.test_request_context():
        g._login_user = world.lead  # Flask-Login's per-request user, without starting a login session
        html = render_template_string('{% include "tasks/_group_board.html" %}', group=world.materials)
    assert "未开始 1" in html and "已完成 1" in html and "逾期 1" in html
    assert f"/tasks/board/{world.materials.id}" in html and "新建任务" in html




def test_former_hand_off_addresses_redirect_keeping_the_method(client, login, world):
    """/dependencies and /link-candidates were the hand-off routes' names; a page opened before still works."""
    from meetingprep.tasks.models import HandOff

    a = factories.make_group_task(world.materials, world.staff, title="甲")
    b = factories.make_group_task(world.materials, world.staff, title="乙")
    hand_off = factories.make_hand_off(a, b)
    db.session.commit()
    login(world.lead)
    response = client.post(f"/tasks/{b.id}/dependencies", data={"predecessor_id": a.id})
    assert response.status_code == 308 and response.headers["Location"].endswith(f"/tasks/{b.id}/hand-offs")
    response = client.get(f"/tasks/{b.id}/link-candidates?q=甲")
    assert response.status_code == 308 and response.headers["Location"].endswith("/hand-off-candidates?q=%E7%94%B2")
    response = client.post(f"/tasks/{b.id}/dependencies/{hand_off.id}/delete", follow_redirects=True)
    assert response.status_code == 200 and "已取消衔接" in response.text
    assert db.session.get(HandOff, hand_off.id) is None


def test_hand_off_audit_entries_are_named_after_the_model(client, login, world):
    from sqlalchemy import select

    from meetingprep.audit import AuditEntry
    from meetingprep.tasks import services

    a = factories.make_group_task(world.materials, world.staff, title="甲")
    b = factories.make_group_task(world.materials, world.staff, title="乙")
    services.add_hand_off(world.secretariat, a, b)
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "HandOff")).one()
    assert entry.type_label == "任务衔接"


def test_the_new_task_form_prevents_the_common_slips(client, login, world):
    login(world.secretariat)
    page = client.get("/tasks/new").get_data(as_text=True)
    owner = page[page.index('name="owner_id"'):page.index("</select>", page.index('name="owner_id"'))]
    assert '<option selected value="">请选择责任人' in owner  # nobody picked for the person
    assert 'type="checkbox" name="coworker_ids"' in page and "multiple" not in page  # no Ctrl-click select
    assert 'class="mb-3 required"><label class="form-label" for="title">' in page  # required fields marked
    assert "maxlength" not in page  # a long paste is not cut silently …
    response = client.post("/tasks/new", data=task_form(world, description="长" * 15000))
    assert response.status_code == 400 and "说明不能超过 5000 字。" in response.get_data(as_text=True)  # … refused
    response = client.post("/tasks/new", data=task_form(world, owner_id=""))
    assert response.status_code == 400 and "请选择责任人。" in response.get_data(as_text=True)
    past = task_form(world, due_mode="absolute", due_at="2020-12-05T17:00", title="年份打错的任务")
    response = client.post("/tasks/new", data=past)
    assert response.status_code == 400
    assert "时间节点 2020年12月5日 周六 17:00 已经过去" in response.get_data(as_text=True)
    assert db.session.scalar(select(Task).where(Task.title == "年份打错的任务")) is None


def test_the_new_task_forms_pick_lists_drawn_once_are_per_assignable_groups_and_never_hide_a_choice(client, login,
                                                                                                     world):
    """The owner, group and 协办人 lists are drawn once per data version and the groups the user may assign to
    (cached_fragment): a group lead never gets the secretariat's lists, a choice kept after a refused save is
    drawn, and a new colleague shows at once."""
    def owner_list(page: str) -> str:
        start = page.index('name="owner_id"')
        return page[start:page.index("</select>", start)]

    login(world.secretariat)
    for _ in range(2):
        page = client.get("/tasks/new").get_data(as_text=True)
        assert "王五（会务组）" in owner_list(page) and ">会务组<" in page
    login(world.lead)
    for _ in range(2):
        page = client.get("/tasks/new").get_data(as_text=True)
        assert "王五" not in owner_list(page) and ">会务组<" not in page and "张三（材料组）" in owner_list(page)
    login(world.secretariat)
    refused = client.post("/tasks/new", data=task_form(world, title="", coworker_ids=[str(world.staff2.id)]))
    assert refused.status_code == 400
    assert f'<option selected value="{world.affairs_staff.id}">' in refused.text
    assert re.search(rf'value="{world.staff2.id}"\s+checked', refused.text)
    assert f'<option selected value="{world.affairs.id}">' in client.get(f"/tasks/new?group={world.affairs.id}").text
    factories.make_user("staff", username="zhaoliu", display_name="赵六", group=world.affairs)
    db.session.commit()
    page = client.get("/tasks/new").get_data(as_text=True)
    assert "赵六（会务组）" in owner_list(page) and "赵六（zhaoliu）" in page
