"""Server-Timing: every response says what the server spent, and how much of it in SQL."""

import re

import pytest

from meetingprep import create_app
from tests import factories

TIMING = re.compile(r'^total;dur=(?P<total>[\d.]+), db;dur=(?P<db>[\d.]+);desc="SQL \((?P<statements>\d+)\)"$')


def _timing(response) -> dict:
    match = TIMING.match(response.headers["Server-Timing"])
    assert match, response.headers["Server-Timing"]
    return {"total": float(match["total"]), "db": float(match["db"]), "statements": int(match["statements"])}


def test_a_page_reports_its_sql_within_its_total(client, login_as, count_queries):
    factories.make_task()
    login_as("secretariat")
    with count_queries() as counter:
        response = client.get("/tasks/")
    assert response.status_code == 200
    timing = _timing(response)
    assert timing["statements"] == counter.count > 0
    assert 0 < timing["db"] <= timing["total"]


def test_a_probe_without_database_work_reports_no_sql(client):
    response = client.get("/healthz")
    assert _timing(response)["statements"] == 0


def test_statements_outside_a_request_are_not_counted(app, client):
    factories.make_task()  # SQL in the test's own context, before the request
    timing = _timing(client.get("/healthz"))
    assert timing["statements"] == 0 and timing["db"] == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_the_header_can_be_turned_off(tmp_path, enabled):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k",
                      "DATABASE_URL": "sqlite://", "SERVER_TIMING": enabled})
    assert ("Server-Timing" in app.test_client().get("/healthz").headers) is enabled
