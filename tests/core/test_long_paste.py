"""A long paste is refused with a message, never cut: no form draws ``maxlength`` (forms.BaseForm.Meta.render_field),
so the browser does not drop the end of a 15,000-character paste without a word; the server's Length validator says
what is too long and the page keeps the text."""

import re

import pytest

from meetingprep.extensions import db
from meetingprep.tasks.states import TaskStatus
from tests import factories

LONG = "长" * 15000


@pytest.fixture
def world(role_users):
    meeting = role_users["meeting"]
    member = factories.make_member(meeting, name="张三", member_no="0001", user=role_users["member"])
    sitting = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=3000)
    leave = factories.make_leave(member, [sitting], requested_by=role_users["member"])
    template = factories.make_pipeline_template([[role_users["group_lead"]]], actor=role_users["secretariat"])
    document = factories.make_document(meeting, template=template, drafters=[role_users["staff"]],
                                       group=role_users["group"], actor=role_users["secretariat"], title="工作报告")
    document = factories.add_text_version(document, role_users["staff"], "一、过去一年的工作")
    task = factories.make_group_task(role_users["group"], role_users["staff"], status=TaskStatus.SUBMITTED)
    db.session.commit()
    return {**role_users, "member_profile": member, "sitting": sitting, "leave": leave, "document": document,
            "task": task}


def test_a_long_document_opinion_is_refused_with_a_message_and_kept(client, login, world):
    login(world["group_lead"])
    response = client.post(f"/documents/{world['document'].id}/comments", data={"c-body": LONG})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "意见不能超过 5000 字。" in text and LONG in text  # said why, and nothing typed is lost


def test_a_long_leave_reason_is_refused_with_a_message_and_kept(client, login, world):
    login(world["secretariat"])
    response = client.post("/attendance/leave/new", data={"member_no": "0001", "sitting_ids": [world["sitting"].id],
                                                          "reason": LONG})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请假事由不能超过 2000 字。" in text and LONG in text


#: Search boxes may keep their maxlength: a query is not text a person would lose.
SEARCH_BOXES = {"q", "hand_off_q"}


def _cut_fields(html: str) -> list[str]:
    """The text boxes of a page that a browser would cut at a maxlength."""
    cut = []
    for tag in re.findall(r"<(?:textarea|input)\b[^>]*>", html):
        name = re.search(r'\bname="([^"]*)"', tag)
        if "maxlength" in tag and not (name and name.group(1) in SEARCH_BOXES):
            cut.append(tag)
    return cut


def test_no_form_page_draws_a_maxlength_that_would_cut_a_paste(client, login, world):
    sitting, member = world["sitting"], world["member_profile"]
    pages = {
        "secretariat": ["/tasks/new", "/attendance/leave/new", f"/attendance/leave/{world['leave'].id}",
                        f"/attendance/sittings/{sitting.id}/members/{member.id}/correct", "/documents/new"],
        "group_lead": [f"/tasks/{world['task'].id}", f"/documents/{world['document'].id}"],
        "staff": [f"/documents/{world['document'].id}/versions/new", f"/tasks/{world['task'].id}"],
        "member": ["/documents/speeches/new", "/attendance/leave/new"],
    }
    textareas = 0
    for role, paths in pages.items():
        login(world[role])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (role, path)
            html = response.get_data(as_text=True)
            textareas += html.count("<textarea")
            assert _cut_fields(html) == [], (role, path)
    assert textareas >= 12  # the pages really drew their text boxes (发表意见, 请假事由, 审批意见, 更正原因 …)
