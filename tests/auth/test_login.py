from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from tests import factories


def test_login_page_is_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True)


def test_login_and_logout(app, client):
    factories.make_user(username="zhangsan", role="secretariat")
    db.session.commit()
    response = client.post("/login", data={"username": "zhangsan", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_keeps_username_and_says_why(app, client):
    factories.make_user(username="lisi")
    db.session.commit()
    response = client.post("/login", data={"username": "lisi", "password": "wrong-password"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "用户名或密码不正确" in body
    assert 'value="lisi"' in body


def test_throttled_after_five_failures(app, client):
    factories.make_user(username="wangwu")
    db.session.commit()
    for _ in range(5):
        client.post("/login", data={"username": "wangwu", "password": "nope-nope"})
    response = client.post("/login", data={"username": "wangwu", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "登录失败的次数过多" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 30


def test_user_creation_is_audited(app):
    user = factories.make_user(username="auditme")
    db.session.commit()
    entry = db.session.query(AuditEntry).filter_by(object_type="User", object_id=user.id).one()
    assert entry.action == "create"
    assert entry.changes["username"] == [None, "auditme"]
    assert "password_hash" not in entry.changes
