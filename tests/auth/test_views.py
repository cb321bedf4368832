from meetingprep.auth.models import LoginAttempt, User
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership
from meetingprep.ops.sessions import start_session
from tests import factories

NEW_USER = {"username": "liuyi", "display_name": "刘一", "role": "staff", "phone": "13900000000",
            "email": "liuyi@example.org", "password": "Good-pass-123", "confirm": "Good-pass-123"}


def test_create_user_then_find_it_in_the_list(app, client, login_as):
    login_as("secretariat")
    response = client.post("/users/new", data=NEW_USER)
    assert response.status_code == 302
    user = db.session.query(User).filter_by(username="liuyi").one()
    assert user.role.value == "staff" and user.check_password("Good-pass-123")
    body = client.get("/users/?q=刘").get_data(as_text=True)
    assert "刘一" in body and "liuyi" in body


def test_bad_input_kept_with_chinese_messages_beside_fields(app, client, login_as):
    login_as("secretariat")
    data = {**NEW_USER, "email": "not-an-email", "confirm": "different-123"}
    response = client.post("/users/new", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "电子邮箱格式不正确" in body and "两次输入的密码不一致" in body
    assert 'value="liuyi"' in body and 'value="刘一"' in body
    assert db.session.query(User).filter_by(username="liuyi").count() == 0


def test_duplicate_username_is_shown_beside_the_field(app, client, login_as):
    login_as("secretariat")
    factories.make_user(username="liuyi")
    db.session.commit()
    body = client.post("/users/new", data=NEW_USER).get_data(as_text=True)
    assert "已被使用" in body


def test_secretariat_is_not_offered_the_admin_role(app, client, login_as):
    login_as("secretariat")
    body = client.get("/users/new").get_data(as_text=True)
    assert 'value="secretariat"' in body and 'value="admin"' not in body
    response = client.post("/users/new", data={**NEW_USER, "role": "admin"})
    assert response.status_code == 400
    assert db.session.query(User).filter_by(username="liuyi").count() == 0


def test_stale_edit_is_a_conflict_with_input_kept(app, client, login_as):
    login_as("admin")
    user = factories.make_user("staff", display_name="旧名字")
    db.session.commit()
    stale_version = user.version_id
    user.display_name = "别人改的"
    db.session.commit()
    response = client.post(f"/users/{user.id}/edit", data={
        "version_id": stale_version, "display_name": "我的修改", "role": "staff", "phone": "", "email": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "已被他人修改" in body and 'value="我的修改"' in body
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "别人改的"


def test_edit_saves_and_shows_trail(app, client, login_as):
    login_as("admin")
    user = factories.make_user("staff", display_name="旧名字")
    db.session.commit()
    response = client.post(f"/users/{user.id}/edit", data={
        "version_id": user.version_id, "display_name": "新名字", "role": "leader", "phone": "", "email": ""})
    assert response.status_code == 302
    body = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert "新名字" in body and "变更记录" in body and "旧名字" in body


def test_deactivated_user_is_logged_out_at_the_next_request(app, client, login):
    staff = factories.make_user("staff", username="zhao")
    db.session.commit()
    client.post("/login", data={"username": "zhao", "password": factories.PASSWORD})
    assert client.get("/").status_code == 200
    admin = factories.make_user("admin")
    db.session.commit()
    other = app.test_client()
    with other.session_transaction() as session:
        start_session(admin)
        db.session.commit()
        session["_user_id"] = admin.get_id()
    assert other.post(f"/users/{staff.id}/deactivate").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    again = client.post("/login", data={"username": "zhao", "password": factories.PASSWORD})
    assert again.status_code == 400 and "已停用" in again.get_data(as_text=True)


def test_reset_password_form(app, client, login_as):
    login_as("secretariat")
    user = factories.make_user("member")
    db.session.commit()
    bad = client.post(f"/users/{user.id}/password", data={"password": "12345678", "confirm": "12345678"})
    assert bad.status_code == 400 and "太常见" in bad.get_data(as_text=True)
    ok = client.post(f"/users/{user.id}/password", data={"password": "Fresh-pass-77", "confirm": "Fresh-pass-77"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("Fresh-pass-77")


def test_list_shows_group_memberships_and_filters_by_role(app, client, login_as):
    meeting = factories.make_meeting()
    group = factories.make_group(meeting, name="材料组")
    factories.make_user("group_lead", display_name="材料组长", group=group, is_lead=True)
    factories.make_user("member", display_name="某委员")
    login_as("secretariat")
    body = client.get("/users/?role=group_lead").get_data(as_text=True)
    assert "材料组长" in body and "材料组（组长）" in body and "某委员" not in body
    assert db.session.query(GroupMembership).count() == 1


def test_user_list_query_count_is_fixed(app, client, login_as, count_queries):
    login_as("secretariat")
    group = factories.make_group(name="会务组")

    def measure():
        with count_queries() as counter:
            assert client.get("/users/?page=1").status_code == 200
        return counter.count

    for _ in range(10):
        factories.make_user("staff", group=group)
    db.session.commit()
    small = measure()
    for _ in range(120):
        factories.make_user("member", group=group)
    db.session.commit()
    assert measure() == small


def test_throttled_by_address_across_usernames_at_a_higher_ceiling(app, client):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 12
    factories.make_user(username="victim")
    db.session.commit()
    for n in range(5):
        client.post("/login", data={"username": f"guess{n}", "password": "wrong-pass"})
    # five wrong guesses at other names from this address do not stop the victim (one office, one NAT)
    assert client.post("/login", data={"username": "victim", "password": factories.PASSWORD}).status_code == 302
    client.post("/logout")
    for n in range(12):
        client.post("/login", data={"username": f"more{n}", "password": "wrong-pass"})
    response = client.post("/login", data={"username": "victim", "password": factories.PASSWORD})
    assert response.status_code == 429 and "从您所在网络登录失败的次数过多" in response.get_data(as_text=True)
    other_address = client.post("/login", data={"username": "victim", "password": factories.PASSWORD},
                                environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_address.status_code == 302
    # the ceiling counts every failed try from the address: 5 + 7 checked, the other 5 refused unchecked
    assert db.session.query(LoginAttempt).filter_by(succeeded=False).count() == 12
