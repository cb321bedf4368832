import pytest
from flask import g


def _fresh_request_globals() -> None:
    for name in list(g):
        g.pop(name)


@pytest.fixture(autouse=True)
def fresh_g_per_request(app):
    """The app fixture keeps one app context pushed, which Flask reuses for every test request, so
    ``g`` (the loaded user, the current meeting) would leak between requests. (The foundation branch
    fixes this in tests/conftest.py; this keeps the attendance tests right until it is merged.)"""
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
