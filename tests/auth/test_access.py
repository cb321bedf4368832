from tests.access import EVERYONE, MANAGERS, Case, check_cases

ENDPOINTS = {"auth.login", "auth.logout", "auth.change_password", "meetings.home",
             "users.index", "users.create", "users.detail", "users.edit", "users.set_active", "users.reset_password",
             "users.lift_login_wait"}


def test_route_role_table(app, client, login, role_users):
    member = role_users["member"].id
    cases = [
        Case("auth.login", "/login", EVERYONE, public=True),
        Case("auth.logout", "/logout", EVERYONE, method="POST", public=True),
        Case("auth.change_password", "/account/password", EVERYONE),
        Case("meetings.home", "/", EVERYONE),
        Case("users.index", "/users/?q=甲&role=staff&status=active&page=2", MANAGERS),
        Case("users.create", "/users/new", MANAGERS),
        Case("users.create", "/users/new", MANAGERS, method="POST", data={"username": "x"}),
        Case("users.detail", f"/users/{member}", MANAGERS),
        Case("users.edit", f"/users/{member}/edit", MANAGERS),
        Case("users.edit", f"/users/{member}/edit", MANAGERS, method="POST", data={"display_name": ""}),
        Case("users.reset_password", f"/users/{member}/password", MANAGERS),
        Case("users.reset_password", f"/users/{member}/password", MANAGERS, method="POST", data={}),
        Case("users.set_active", f"/users/{member}/reactivate", MANAGERS, method="POST"),
        Case("users.lift_login_wait", f"/users/{member}/login-wait/lift", MANAGERS, method="POST"),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)


def test_secretariat_cannot_touch_an_administrator(app, client, login, role_users):
    login(role_users["secretariat"])
    admin = role_users["admin"].id
    assert client.get(f"/users/{admin}/edit").status_code == 403
    assert client.post(f"/users/{admin}/deactivate").status_code == 403
    assert client.get(f"/users/{admin}/password").status_code == 403
