from tests.access import Case, check_cases

ENDPOINTS = {"dashboard.index", "dashboard.wall", "dashboard.api", "dashboard.export"}
VIEWERS = frozenset({"admin", "secretariat", "leader", "group_lead"})


def test_route_role_table(app, client, login, role_users):
    cases = [
        Case("dashboard.index", "/dashboard", VIEWERS),
        Case("dashboard.wall", "/dashboard/wall", VIEWERS),
        Case("dashboard.api", "/api/dashboard", VIEWERS),
        Case("dashboard.export", "/dashboard/export.xlsx", VIEWERS),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
