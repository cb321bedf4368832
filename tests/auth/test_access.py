from tests.access import EVERYONE, Case, check_cases

ENDPOINTS = {"auth.login", "auth.logout", "auth.change_password", "meetings.home"}


def test_route_role_table(app, client, login, role_users):
    cases = [
        Case("auth.login", "/login", EVERYONE, public=True),
        Case("auth.logout", "/logout", EVERYONE, method="POST", public=True),
        Case("auth.change_password", "/account/password", EVERYONE),
        Case("meetings.home", "/", EVERYONE),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
