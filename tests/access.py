"""The route × role table: each domain's tests/<domain>/test_access.py lists every route of its
blueprint with the roles allowed through, and ``check_cases`` walks every role over every case.

A module declares ``ENDPOINTS = {...}`` (the endpoints it covers) at module level; the meta test in
tests/test_access_coverage.py fails when a registered route is covered by no module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask

from meetingprep.permissions import Role

ROLES: tuple[str | None, ...] = (*(role.value for role in Role), None)  # None = anonymous
EVERYONE = frozenset(role.value for role in Role)
READERS = frozenset({"admin", "secretariat", "group_lead", "staff", "leader"})
WORKERS = frozenset({"admin", "secretariat", "group_lead", "staff"})
MANAGERS = frozenset({"admin", "secretariat"})
PUBLIC = "public"  # marker: anonymous users are let through too


@dataclass
class Case:
    endpoint: str
    url: str
    allowed: frozenset[str] | set[str]
    method: str = "GET"
    data: dict | None = field(default=None)
    public: bool = False  # reachable without login (e.g. login page, token links)


def _assert_endpoint(app: Flask, case: Case) -> None:
    adapter = app.url_map.bind("localhost")
    parts = urlsplit(case.url)
    endpoint, _ = adapter.match(parts.path, method=case.method)
    assert endpoint == case.endpoint, f"{case.url} routes to {endpoint}, not {case.endpoint}"


def check_cases(app: Flask, client, login, role_users: dict, cases: list[Case], covers: set[str]) -> None:
    """Every role over every case: allowed → neither 403 nor 404 nor 5xx; others → 403;
    anonymous → redirected to the login page (the JSON API under /api/: 401 JSON)."""
    assert {case.endpoint for case in cases} == set(covers), "ENDPOINTS and the cases disagree"
    failures = []
    for case in cases:
        _assert_endpoint(app, case)
        for role in ROLES:
            login(role_users.get(role) if role else None)
            response = client.open(case.url, method=case.method, data=case.data or {})
            status = response.status_code
            if status >= 500:
                failures.append(f"{case.method} {case.url} as {role}: {status}")
            elif role is None and not case.public and urlsplit(case.url).path.startswith("/api/"):
                if status != 401 or not response.is_json or "message" not in response.get_json():
                    failures.append(f"{case.method} {case.url} anonymous: {status}, expected 401 JSON")
            elif role is None and not case.public:
                location = response.headers.get("Location", "")
                if status != 302 or "/login" not in location:
                    failures.append(f"{case.method} {case.url} anonymous: {status} {location}")
            elif role is not None and role in case.allowed:
                if status in (403, 404):
                    failures.append(f"{case.method} {case.url} as {role}: {status}, expected allowed")
            elif role is not None and status != 403:
                failures.append(f"{case.method} {case.url} as {role}: {status}, expected 403")
    login(None)
    assert not failures, "\n".join(failures)
