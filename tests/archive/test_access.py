from tests.access import MANAGERS, Case, check_cases

ENDPOINTS = {"archive.page", "archive.close", "archive.rebuild", "archive.progress", "archive.download",
             "archive.summary_docx", "archive.reopen", "archive.next_meeting"}


def test_route_role_table(app, client, login, role_users):
    meeting = role_users["meeting"].id
    cases = [
        Case("archive.page", f"/meetings/{meeting}/archive", MANAGERS),
        Case("archive.close", f"/meetings/{meeting}/archive", MANAGERS, method="POST", data={"confirmation": ""}),
        Case("archive.rebuild", f"/meetings/{meeting}/archive/rebuild", MANAGERS, method="POST"),
        Case("archive.progress", f"/meetings/{meeting}/archive/progress", MANAGERS),
        Case("archive.download", f"/meetings/{meeting}/archive/download", MANAGERS),
        Case("archive.summary_docx", f"/meetings/{meeting}/summary.docx", MANAGERS),
        Case("archive.reopen", f"/meetings/{meeting}/reopen", {"admin"}),
        Case("archive.reopen", f"/meetings/{meeting}/reopen", {"admin"}, method="POST", data={"reason": ""}),
        Case("archive.next_meeting", f"/meetings/{meeting}/next", MANAGERS),
        Case("archive.next_meeting", f"/meetings/{meeting}/next", MANAGERS, method="POST", data={"name": ""}),
    ]
    check_cases(app, client, login, role_users, cases, ENDPOINTS)


def test_missing_meetings_are_404_for_the_secretariat(client, login, role_users):
    login(role_users["secretariat"])
    for url in ("/meetings/999999/archive", "/meetings/999999/summary.docx", "/meetings/999999/next",
                "/meetings/999999/archive/progress"):
        response = client.get(url)
        assert response.status_code == 404 and "该会议不存在" in response.get_data(as_text=True), url
