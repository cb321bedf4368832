"""Every foundation page renders, in Chinese, with no external reference; errors are kind pages."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from meetingprep.extensions import db
from tests import factories

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
ELEMENT_ID = re.compile(r'<[a-zA-Z][^>]*?\sid="([^"]+)"')


def repeated_ids(body: str) -> set[str]:
    """Element ids that occur more than once (HTML forbids it; labels and scripts find the wrong one)."""
    seen: set[str] = set()
    return {i for i in ELEMENT_ID.findall(body) if i in seen or seen.add(i)}


def _foundation_get_urls(app, role_users) -> list[str]:
    meeting, group = role_users["meeting"], role_users["group"]
    member = role_users["member"]
    with app.test_request_context():
        return [
            url_for("meetings.home"), url_for("auth.change_password"),
            url_for("users.index"), url_for("users.index", q="甲", role="staff", status="inactive", page=3),
            url_for("users.create"), url_for("users.detail", user_id=member.id),
            url_for("users.edit", user_id=member.id), url_for("users.reset_password", user_id=member.id),
            url_for("meetings.index"), url_for("meetings.create"), url_for("meetings.detail", meeting_id=meeting.id),
            url_for("meetings.edit", meeting_id=meeting.id),
            url_for("groups.for_meeting", meeting_id=meeting.id), url_for("groups.create", meeting_id=meeting.id),
            url_for("groups.detail", group_id=group.id), url_for("groups.edit", group_id=group.id),
            url_for("audit.search"), url_for("audit.search", actor="秘书", object_type="User", date_from="2020-01-01",
                                              date_to="2030-12-31", q="登录"),
        ]


def test_every_foundation_page_renders_without_external_urls(app, client, login, role_users):
    login(role_users["secretariat"])
    urls = _foundation_get_urls(app, role_users)
    for url in urls:
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert '<html lang="zh-CN">' in body
        assert not EXTERNAL.search(body), f"{url} references an external URL: {EXTERNAL.search(body).group(0)}"
        assert not repeated_ids(body), f"{url} repeats ids {repeated_ids(body)}"
    client.post("/logout")
    login_page = client.get("/login").get_data(as_text=True)
    assert not EXTERNAL.search(login_page)


def test_the_external_url_check_can_fail():
    assert EXTERNAL.search('<script src="https://cdn.example.org/x.js">')
    assert EXTERNAL.search("<link href='//cdn.example.org/x.css'>")
    assert not EXTERNAL.search('<a href="/users/">')


def test_pages_with_several_forms_repeat_no_id(app, client, login, role_users):
    """Each form carries a CSRF token; drawn by hidden_tag() they all had id="csrf_token"."""
    assert repeated_ids('<input id="csrf_token"><input id="csrf_token">') == {"csrf_token"}
    user = role_users["secretariat"]
    login(user)
    client.post("/plans/ical/regenerate")  # the page then shows its two forms: regenerate and revoke
    app.config["WTF_CSRF_ENABLED"] = True  # forms carry their token (checked on POST only)
    body = client.get("/plans/ical").get_data(as_text=True)
    assert body.count('name="csrf_token"') >= 2
    assert not repeated_ids(body)


def test_not_found_page_is_chinese(app, client, login_as):
    login_as("secretariat")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_forbidden_page_is_chinese(app, client, login_as):
    login_as("staff")
    response = client.get("/users/")
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_server_error_page_is_chinese_with_an_error_id(app, client, login_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器内部错误" in body and "错误编号" in body
    assert re.search(r"<code>[0-9a-f]{12}</code>", body)
    assert "RuntimeError" not in body


@pytest.mark.parametrize("url", [
    "/users/999999", "/users/999999/edit", "/meetings/999999", "/meetings/999999/edit", "/groups/999999",
    "/groups/meeting/999999", "/users/99999999999999999999999", "/groups/abc", "/meetings/-1",
])
def test_malformed_and_unknown_ids_are_404(app, client, login_as, url):
    login_as("admin")
    response = client.get(url)
    assert response.status_code == 404
    assert "不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("url, data", [
    ("/users/new", {"username": "u" * 5000, "display_name": "名" * 5000, "role": "staff", "phone": "1" * 500,
                    "email": "a" * 500 + "@x.org", "password": "p" * 5000, "confirm": "p" * 5000}),
    ("/meetings/new", {"name": "会" * 5000, "opens_at": "2026-13-45T99:99", "closes_at": "x" * 5000,
                       "venue": "场" * 5000}),
    ("/audit/?q=" + "x" * 5000 + "&date_from=notadate&object_type=Nope", None),
    ("/users/?q=" + "x" * 5000 + "&role=nope&page=-5", None),
])
def test_over_long_and_malformed_input_is_refused_kindly(app, client, login_as, url, data):
    login_as("admin")
    response = client.post(url, data=data) if data is not None else client.get(url)
    assert response.status_code in (200, 400)
    body = response.get_data(as_text=True)
    assert "服务器内部错误" not in body
    if data is not None:
        assert "invalid-feedback" in body  # errors beside the fields


def test_group_page_of_another_meeting_and_group_creation_with_bad_sort_order(app, client, login_as):
    login_as("secretariat")
    meeting = factories.make_meeting(is_current=False)
    db.session.commit()
    response = client.post(f"/groups/meeting/{meeting.id}/new", data={"name": "会务组", "sort_order": "abc"})
    assert response.status_code == 400
    assert 'value="会务组"' in response.get_data(as_text=True)


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_post_without_token_is_refused_in_chinese(self, app, client, login_as):
        login_as("secretariat")
        response = client.post("/meetings/new", data={"name": "无令牌"})
        assert response.status_code == 400
        assert "页面已过期或来源不明" in response.get_data(as_text=True)
        assert "无令牌" not in response.get_data(as_text=True)

    def test_logout_without_token_is_refused_too(self, app, client, login_as):
        login_as("staff")
        assert client.post("/logout").status_code == 400
        assert client.get("/").status_code == 200  # still logged in
