"""Without a login the JSON API answers 401 JSON in Chinese; pages still go to the login form."""

from __future__ import annotations


def test_api_without_session_is_401_json(app, client):
    response = client.get("/api/dashboard")
    assert response.status_code == 401
    assert response.is_json and "Location" not in response.headers
    body = response.get_json()
    assert body["error"] == "未登录" and "登录" in body["message"]


def test_json_endpoint_asked_for_json_is_401_json(app, client):
    response = client.get("/attendance/registration/counts.json", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json()["error"] == "未登录"


def test_pages_still_redirect_to_the_login_form(app, client):
    response = client.get("/tasks/?page=2", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] and "next=" in response.headers["Location"]
    follow = client.get(response.headers["Location"])
    assert "请先登录" in follow.get_data(as_text=True)
