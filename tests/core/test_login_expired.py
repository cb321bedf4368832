"""A form sent after the login ended: 「登录已过期」 with the typed text kept for the browser, not a bare 400."""

import json
import re
from html import unescape


def test_a_form_sent_without_a_login_keeps_its_text(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/tasks/7/comments", data={"csrf_token": "from-the-old-session", "body": "我的留言",
                                                     "password": "secret", "version_id": "3"},
                           headers={"Referer": "http://localhost/tasks/7?tab=comments"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401 and "登录已过期" in html
    fields = json.loads(unescape(re.search(r"data-fields='([^']*)'", html).group(1)))
    assert fields == {"body": "我的留言"}  # never the token, a password or the version
    assert 'data-draft-path="/tasks/7"' in html
    assert 'data-draft-action="/tasks/7/comments"' in html  # the form it goes back into, not only the page
    assert "expired=1" in html and "next=/tasks/7?tab%3Dcomments" in html.replace("%2F", "/")


def test_an_outside_referrer_is_not_followed_and_a_logged_in_csrf_failure_stays_a_400(app, client, login_as):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/tasks/7/comments", data={"body": "x"}, headers={"Referer": "https://evil.example/"})
    assert response.status_code == 401 and 'data-draft-path="/"' in response.get_data(as_text=True)
    login_as("staff")
    response = client.post("/tasks/7/comments", data={"body": "x"})
    assert response.status_code == 400 and "页面已过期或来源不明" in response.get_data(as_text=True)
