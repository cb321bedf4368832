from tests.access import EVERYONE, MANAGERS, Case, check_cases

ENDPOINTS = {"meetings.index", "meetings.create", "meetings.detail", "meetings.edit", "meetings.set_current",
             "audit.search"}


def test_route_role_table(app, client, login, role_users):
    meeting = role_users["meeting"].id
    cases = [
        Case("meetings.index", "/meetings/?page=x", EVERYONE),
        Case("meetings.create", "/meetings/new", MANAGERS),
        Case("meetings.create", "/meetings/new", MANAGERS, method="POST", data={"name": ""}),
        Case("meetings.detail", f"/meetings/{meeting}", EVERYONE),
        Case("meetings.edit", f"/meetings/{meeting}/edit", MANAGERS),
        Case("meetings.edit", f"/meetings/{meeting}/edit", MANAGERS, method="POST", data={"name": ""}),
        Case("meetings.set_current", f"/meetings/{meeting}/current", MANAGERS, method="POST"),
        Case("audit.search", "/audit/?actor=甲&object_type=User&date_from=2020-01-01&q=x", MANAGERS),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)
