"""The HTTP servers we run under, without their banners.

Neither gunicorn nor werkzeug's development server has a setting to leave out the ``Server`` header
(gunicorn's "Server: gunicorn" is written below the WSGI application, out of its reach), so each is
told here: a name and a version are an attacker's shortcut to the matching exploits.
"""

from __future__ import annotations

import sys

from werkzeug.serving import WSGIRequestHandler


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without the ``Server: Werkzeug/… Python/…`` header (``flask serve``)."""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() != "server":
            super().send_header(keyword, value)


def hide_gunicorn_banner() -> None:
    """Drop gunicorn's ``Server`` line from every response; a no-op outside gunicorn. Called by wsgi.py,
    which gunicorn imports before it serves a request."""
    if "gunicorn" not in sys.modules:
        return
    from gunicorn.http import wsgi

    if getattr(wsgi.Response.default_headers, "_without_server", False):
        return
    original = wsgi.Response.default_headers

    def default_headers(self):
        return [line for line in original(self) if not line.lower().startswith("server:")]

    default_headers._without_server = True
    wsgi.Response.default_headers = default_headers
