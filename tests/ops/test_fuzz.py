"""Hostile input on every POST form route registered at test time: never a 500, nothing echoed raw.

The routes are found by walking ``app.url_map``, so routes other domains add later are covered
without touching this file. URL ids are filled by calling ``tests.factories.make_<noun>()`` for an
argument named ``<noun>_id``; a route whose ids cannot be made that way is listed with the reason
(as a warning in the test summary) instead of being fuzzed.
"""

from __future__ import annotations

import re
import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter, IntegerConverter

from meetingprep.extensions import db
from tests import factories

SCRIPT = "<script>alert(1)</script>"
RAW_MARKERS = (SCRIPT, "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>")
HOSTILE = [
    SCRIPT, f'"><{SCRIPT[1:]}', "'><img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "javascript:alert(1)",
    "{{ 7*7 }}", "{% raw %}", "${7*7}", "' OR '1'='1' --", "'; DROP TABLE users; --", "../../../../etc/passwd",
    "\x00", f"a\x00{SCRIPT}", "\x1b[31m\x07\x08", "\u202e\u200b\ufeff", "ｆｕｌｌｗｉｄｔｈ", "🙂" * 60, "x" * 100_000,
    "长" * 5000, "-1", "0", "2147483648", "99999999999999999999999999", "1e309", "NaN", "-0.0", "true", "null",
    "[]", "{}", "2025-13-45T25:61", "0000-00-00", " ", "\r\n\t", "",
]
COMMON_FIELDS = ["title", "name", "body", "content", "comment", "reason", "note", "description", "version_id",
                 "status", "role", "due_at", "starts_at", "opens_at", "meeting_id", "group_id", "user_id",
                 "assignee_id", "username", "display_name", "q"]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200),
                   st.text(st.characters(max_codepoint=0x1f), max_size=20), st.integers().map(str))
SKIPPED_ENDPOINTS = {"static", "bootstrap.static"}


def post_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in (rule.methods or ()) and rule.endpoint not in SKIPPED_ENDPOINTS),
                  key=lambda rule: rule.rule)


class IdMaker:
    """Objects for URL ids, one per noun, made by the factories; remembers why it could not."""

    def __init__(self):
        self.ids: dict[str, int] = {}

    def value_for(self, rule, argument: str) -> int | str:
        converter = rule._converters[argument]
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        if not isinstance(converter, IntegerConverter):
            return "fuzz-token-0123456789"
        if not argument.endswith("_id"):
            raise LookupError(f"<int:{argument}> is not a <noun>_id, no way to pick an object for it")
        noun = argument[:-3]
        if noun not in self.ids:
            factory = getattr(factories, f"make_{noun}", None)
            if factory is None:
                raise LookupError(f"no tests.factories.make_{noun}() to create a {noun} for <{argument}>")
            try:
                obj = factory()
                db.session.commit()
            except Exception as error:  # a factory needing arguments: report it, do not guess
                db.session.rollback()
                raise LookupError(f"make_{noun}() failed without arguments: {error!r}") from error
            self.ids[noun] = obj.id
        return self.ids[noun]


def form_fields(client, url: str) -> list[str]:
    """Field names of the page's POST forms, when the route also answers GET."""
    response = client.get(url)
    if response.status_code != 200 or not response.mimetype.startswith("text/html"):
        return []
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', response.get_data(as_text=True)))
    return sorted(names - {"csrf_token"})


def assert_safe(response, url: str) -> None:
    for hop in [*response.history, response]:
        assert hop.status_code < 500, f"POST {url} gave {hop.status_code}"
        body = hop.get_data(as_text=True)
        for marker in RAW_MARKERS:
            assert marker not in body, f"POST {url} echoed {marker!r} unescaped"


def fuzz_route(client, log_in, url: str, fields: list[str]) -> None:
    payloads = st.fixed_dictionaries({name: VALUES for name in fields},
                                     optional={name: VALUES for name in COMMON_FIELDS if name not in fields})

    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=payloads)
    def post_hostile(data):
        log_in()  # each example as a fresh secretariat login (an example may log out)
        assert_safe(client.post(url, data=data, follow_redirects=True), url)

    post_hostile()


def test_hostile_input_on_every_post_route(app, client, login):
    secretariat = factories.make_user("secretariat", username="fuzz_secretariat")
    factories.make_group(factories.make_meeting(), name="会务组")
    db.session.commit()
    ids = IdMaker()
    skipped, fuzzed = [], []
    for rule in post_rules(app):
        try:
            url = rule.build({arg: ids.value_for(rule, arg) for arg in rule.arguments}, append_unknown=False)[1]
        except LookupError as reason:
            skipped.append(f"{rule.endpoint} ({rule.rule}): {reason}")
            continue
        login(secretariat)
        fields = form_fields(client, url) if "GET" in (rule.methods or ()) else []
        fuzz_route(client, lambda: login(secretariat), url, fields)
        fuzzed.append(rule.endpoint)
    assert "auth.change_password" in fuzzed
    if skipped:
        warnings.warn("fuzz skipped:\n" + "\n".join(skipped), stacklevel=1)
