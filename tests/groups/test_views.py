from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from tests import factories


def test_create_group_and_see_it_listed(app, client, login_as):
    login_as("secretariat")
    meeting = factories.make_meeting()
    db.session.commit()
    response = client.post(f"/groups/meeting/{meeting.id}/new",
                           data={"name": "医疗卫生组", "duties": "会场医疗点", "sort_order": "80"})
    assert response.status_code == 302
    group = db.session.query(WorkingGroup).one()
    assert (group.name, group.sort_order) == ("医疗卫生组", 80)
    body = client.get("/groups/", follow_redirects=True).get_data(as_text=True)
    assert "医疗卫生组" in body and "会场医疗点" in body


def test_duplicate_name_is_kept_with_a_chinese_message(app, client, login_as):
    login_as("secretariat")
    group = factories.make_group(name="会务组")
    db.session.commit()
    response = client.post(f"/groups/meeting/{group.meeting_id}/new", data={"name": "会务组", "duties": "我的职责"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "已有名为“会务组”的工作组" in body and "我的职责" in body


def test_stale_edit_conflicts_with_input_kept(app, client, login_as):
    login_as("admin")
    group = factories.make_group(name="后勤保障组")
    db.session.commit()
    response = client.post(f"/groups/{group.id}/edit",
                           data={"name": "后勤组", "duties": "我的修改", "version_id": group.version_id + 1})
    assert response.status_code == 409
    assert "我的修改" in response.get_data(as_text=True)


def test_add_member_set_lead_and_remove_through_the_page(app, client, login_as):
    login_as("secretariat")
    group = factories.make_group(name="提案组")
    person = factories.make_user("staff", username="qian", display_name="钱七")
    db.session.commit()
    response = client.post(f"/groups/{group.id}/members", data={"username": "QIAN"}, follow_redirects=True)
    assert "已把“钱七”加入提案组" in response.get_data(as_text=True)
    membership = db.session.query(GroupMembership).filter_by(user_id=person.id).one()
    client.post(f"/groups/{group.id}/members/{membership.id}/lead?is_lead=1")
    db.session.refresh(membership)
    assert membership.is_lead
    body = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "钱七" in body and "组长" in body and "变更记录" in body
    unknown = client.post(f"/groups/{group.id}/members", data={"username": "nobody"}, follow_redirects=True)
    assert "找不到这个用户" in unknown.get_data(as_text=True)
    client.post(f"/groups/{group.id}/members/{membership.id}/remove")
    assert db.session.query(GroupMembership).count() == 0


def test_reader_sees_people_but_no_management_controls(app, client, login_as):
    group = factories.make_group(name="安全保卫组")
    factories.make_user("staff", display_name="孙八", group=group)
    login_as("leader")
    body = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "孙八" in body and "加入本组" not in body and "移出" not in body


def test_group_list_query_count_is_fixed(app, client, login_as, count_queries):
    login_as("staff")
    meeting = factories.make_meeting()

    def measure():
        with count_queries() as counter:
            assert client.get(f"/groups/meeting/{meeting.id}").status_code == 200
        return counter.count

    group = factories.make_group(meeting)
    factories.make_user(group=group)
    db.session.commit()
    small = measure()
    for _ in range(40):
        factories.make_user(group=factories.make_group(meeting))
    db.session.commit()
    assert measure() == small
