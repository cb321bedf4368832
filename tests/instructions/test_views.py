"""批示 and 督办 over HTTP: the panels on the task and document pages, refused input kept, the 批示督办 list,
bad input never a 500, and query counts that do not grow with the number of instructions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from meetingprep.extensions import db
from meetingprep.instructions import queries, services
from meetingprep.instructions.models import Instruction, InstructionReply, Supervision
from tests import factories


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_leader_writes_the_owner_acknowledges_and_answers_the_leader_reads_it(client, login, world):
    task, leader, staff = world["task"], world["leader"], world["staff"]
    login(leader)
    page = text(client.get(f"/tasks/{task.id}"))
    assert 'id="instructions"' in page and "暂无领导批示" in page and "作出批示" in page
    response = client.post(f"/instructions/tasks/{task.id}", data={"body": "请确保开幕前两天完成"})
    assert response.status_code == 302 and "#instruction-" in response.headers["Location"]
    instruction_id = db.session.scalar(select(Instruction.id))

    login(staff)
    page = text(client.get(f"/tasks/{task.id}"))
    assert "请确保开幕前两天完成" in page and "领导甲" in page and "作出批示" not in page
    assert f'/instructions/{instruction_id}/acknowledge' in page and "报告办理情况" in page
    assert re.search(r"工作人员甲（责任人）<span class=\"text-danger\">未阅", page)
    assert client.post(f"/instructions/{instruction_id}/acknowledge").status_code == 302
    assert client.post(f"/instructions/{instruction_id}/reply",
                       data={f"r{instruction_id}-body": "已完成主会场布置，正在调试音响"}).status_code == 302

    login(leader)
    page = text(client.get(f"/tasks/{task.id}"))
    assert "已完成主会场布置，正在调试音响" in page and "工作人员甲 报告办理情况" in page and "已反馈" in page
    assert re.search(r"工作人员甲（责任人）<span class=\"text-success\">已阅", page)
    assert "领导批示" in page and "报告办理情况" in page  # in the task's history as well
    inbox = text(client.get("/notifications/"))
    assert "报告" in inbox and "布置主会场" in inbox


def test_a_refused_instruction_is_shown_again_with_its_text(client, login, world):
    task = world["task"]
    login(world["leader"])
    response = client.post(f"/instructions/tasks/{task.id}", data={"body": ""})
    assert response.status_code == 400 and "请填写批示内容" in text(response)
    long = "请务必" * 700
    response = client.post(f"/instructions/tasks/{task.id}", data={"body": long})
    assert response.status_code == 400 and long in text(response) and "不能超过 2000 字" in text(response)
    assert db.session.scalar(select(func.count(Instruction.id))) == 0


def test_a_refused_answer_is_shown_again_under_its_instruction(client, login, world):
    instruction = services.write_instruction(world["leader"], world["task"], "请报告")
    db.session.commit()
    login(world["staff"])
    response = client.post(f"/instructions/{instruction.id}/reply", data={f"r{instruction.id}-body": "  "})
    assert response.status_code == 400 and "请填写办理情况" in text(response)
    assert db.session.scalar(select(func.count(InstructionReply.id))) == 0


@pytest.mark.parametrize("data", [{"body": "\x00" * 10}, {"body": ["a", "b"]}, {"body": "<script>alert(1)</script>"},
                                  {"leader_id": "99999999999999999999"}, {"leader_id": "-1"}, {"note": "x" * 600}])
def test_bad_input_never_fails(client, login, world, data):
    task = world["task"]
    login(world["secretariat"])
    for url in (f"/instructions/tasks/{task.id}", f"/instructions/tasks/{task.id}/supervise"):
        response = client.post(url, data=data)
        assert response.status_code in (302, 400), (url, data, response.status_code)
        assert "<script>alert(1)</script>" not in text(response)
    for url in ("/instructions/999999/reply", "/instructions/999999/acknowledge", "/instructions/tasks/999999",
                "/instructions/documents/999999", "/instructions/tasks/99999999999999999999999/supervise"):
        assert client.post(url, data=data).status_code == 404
    assert client.get("/instructions/?page=-5&mine=abc&pending=2").status_code == 200
    assert client.get("/instructions/?pending=%00").status_code < 500


def test_supervision_from_the_task_page(client, login, world):
    task = world["task"]
    login(world["leader"])
    page = text(client.get(f"/tasks/{task.id}"))
    assert "列为督办" in page and "督办任务" not in page
    assert client.post(f"/instructions/tasks/{task.id}/supervise", data={"leader_id": "", "note": "每天报告"}) \
        .status_code == 302  # a leader follows it themself by default
    page = text(client.get(f"/tasks/{task.id}"))
    assert "督办任务" in page and "督办领导：领导甲" in page and "每天报告" in page and "取消督办" in page
    login(world["staff"])
    page = text(client.get(f"/tasks/{task.id}"))
    assert "督办领导：领导甲" in page and "列为督办" not in page and "取消督办" not in page
    login(world["secretariat"])
    response = client.post(f"/instructions/tasks/{task.id}/supervise", data={"leader_id": "", "note": ""})
    assert response.status_code == 400 and "请选择督办领导" in text(response)
    assert client.post(f"/instructions/tasks/{task.id}/unsupervise").status_code == 302
    assert db.session.scalar(select(func.count(Supervision.id))) == 0


def test_the_document_page_carries_the_panel(client, login, world):
    document = factories.make_document(world["meeting"], drafters=[world["staff"]], title="常委会工作报告",
                                       group=world["group"])
    db.session.commit()
    login(world["leader"])
    assert client.post(f"/instructions/documents/{document.id}", data={"body": "数据要核准"}).status_code == 302
    login(world["staff"])
    page = text(client.get(f"/documents/{document.id}"))
    assert "数据要核准" in page and "起草人" in page and "报告办理情况" in page
    login(world["leader"])
    response = client.post(f"/instructions/documents/{document.id}", data={"body": ""})
    assert response.status_code == 400 and "请填写批示内容" in text(response)


def test_the_list_shows_leaders_every_instruction_and_others_theirs(client, login, world):
    task = world["task"]
    other_group = factories.make_group(world["meeting"], name="宣传组")
    other = factories.make_task(world["meeting"], other_group, title="新闻通稿")
    db.session.commit()
    services.write_instruction(world["leader"], task, "主会场要抓紧")
    answered = services.write_instruction(world["leader2"], other, "通稿要审慎")
    db.session.commit()
    services.reply(db.session.get(type(world["staff"]), other.owner_id),
                   queries.instruction_for_action(answered.id), other, "已送审")
    db.session.commit()
    login(world["leader"])
    page = text(client.get("/instructions/"))
    assert "主会场要抓紧" in page and "通稿要审慎" in page and "已反馈 1 次" in page
    page = text(client.get("/instructions/?mine=1"))
    assert "主会场要抓紧" in page and "通稿要审慎" not in page
    page = text(client.get("/instructions/?pending=1"))
    assert "主会场要抓紧" in page and "通稿要审慎" not in page
    login(world["staff"])
    page = text(client.get("/instructions/"))
    assert "主会场要抓紧" in page and "通稿要审慎" not in page and "交给您办理" in page
    assert "批示督办" in text(client.get("/tasks/mine"))  # in the navigation bar


def test_query_counts_do_not_grow_with_instructions(client, login, world, count_queries):
    task, leader, staff, lead = world["task"], world["leader"], world["staff"], world["group_lead"]

    def counts():
        login(staff)
        client.get(f"/tasks/{task.id}")
        with count_queries() as page:
            assert client.get(f"/tasks/{task.id}").status_code == 200
        with count_queries() as listing:
            assert client.get("/instructions/").status_code == 200
        return page.count, listing.count

    def add(n):
        for i in range(n):
            instruction = services.write_instruction(leader, task, f"批示{i}")
            services.reply(lead, instruction, task, f"办理情况{i}")
            services.supervise(leader, task, note=f"第{i}次")
        db.session.commit()

    add(1)
    small = counts()
    add(15)
    assert counts() == small
