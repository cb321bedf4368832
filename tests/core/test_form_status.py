"""A submitted form with errors answers 400 on every form page, never 200 (web.render_form)."""

from meetingprep.extensions import db
from tests import factories


def test_every_form_page_answers_400_to_a_form_with_errors(app, client, login, role_users):
    meeting, group = role_users["meeting"], role_users["group"]
    member = factories.make_member(meeting, name="张三", member_no="0001")
    sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=60)
    task = factories.make_task(meeting, group, owner=role_users["staff"])
    db.session.commit()
    ids = {"member_id": member.id, "sitting_id": sitting.id, "task_id": task.id, "meeting_id": meeting.id,
           "group_id": group.id, "user_id": role_users["staff"].id}
    login(role_users["admin"])
    answered_200, walked = [], 0
    for rule in app.url_map.iter_rules():
        if not {"GET", "POST"} <= rule.methods or not set(rule.arguments) <= set(ids):
            continue
        if rule.endpoint == "auth.login":  # a logged-in user is sent on
            continue
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        walked += 1
        # a field the form does not know: the form is submitted, its own fields are missing or kept
        if client.post(url, data={"unknown_field": "x"}).status_code == 200:
            answered_200.append(url)
    assert walked >= 20
    assert not answered_200, answered_200
