"""Hostile values for the fuzz wall, by the kind of input they go into.

Every kind also draws, now and then, from every other kind: a date where a number is expected, a
100,000-character text where an id is, so a field is never tried only with what it asks for.
"""

from __future__ import annotations

import io

from hypothesis import strategies as st

SCRIPT = "<script>alert(1)</script>"
#: What must never come back unescaped in an HTML page.
RAW_MARKERS = (SCRIPT, "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>")

INT_EDGES = [0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1,
             2**64, 10**30, 99999999999999999999]
MALFORMED_NUMBERS = ["", " ", "1e309", "1e3", "NaN", "inf", "-0", "0x10", "1_000", "１２", "٣", "7 ", "+5", "--1",
                     "9" * 400, "3.5", "true", "null", "[]"]
TEXTS = [
    SCRIPT, f'"><{SCRIPT[1:]}', "'><img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "javascript:alert(1)",
    "{{ 7*7 }}", "{% raw %}", "${7*7}", "' OR '1'='1' --", "'; DROP TABLE users; --", "../../../../etc/passwd",
    "\x00", f"a\x00{SCRIPT}", "a\x00b", "\x1b[31m\x07\x08", "\u202eexe.txt", "\u202e\u200b\ufeff\u2066", "ｆｕｌｌ",
    "🙂" * 60, "x" * 100_000, "长" * 5000, "\r\n\t", " ", "", "%00", "%zz", "\\", "\ud7ff", "=HYPERLINK(\"x\")",
    "@admin", "#1", "\n" * 500,
]
DATES = ["9999-12-31", "0001-01-01", "1999-12-31", "2000-01-01", "2100-12-31", "2101-01-01", "2026-02-30",
         "2026-13-01", "0000-00-00", "2026-1-5", "20260105", "+002026-01-05", "-2026-01-05", "2026-01-05T25:61"]
DATETIMES = ["9999-12-31T23:59", "0001-01-01T00:00", "1999-12-31T23:59", "2100-12-31T23:59", "2101-01-01T00:00",
             "2026-02-30T10:00", "2026-01-05T24:00", "2026-01-05 09:00", "2026-01-05T09:00:00", "2026-01-05T9:0",
             "2026-01-05T09:00Z", "2026-01-05T09:00+08:00"]
TIMES = ["24:00", "23:59", "00:00", "25:61", "9:5", "12:00:00", ""]
CHOICES = ["unknown", "UNKNOWN", "__class__", "0", "-1", "None", "all", "any", "m_of_n", "leader", "admin", "approve",
           "return", "done", "cancelled", "deactivate", "csv", "xlsx", "paragraphs", "1"]
FILENAMES = ["a\x00b.txt", "../../evil.txt", "x" * 300 + ".txt", "\u202etxt.exe", "报告.docx", "a.pdf", "a.xlsx",
             "noext", ".txt", "CON.txt", "a.TXT", "a.md", "a.png", "a.jpg", ""]
FILE_CONTENTS = [b"", b"\x00" * 10, "正文".encode(), b"%PDF-1.4\n", b"PK\x03\x04garbage", b"\x89PNG\r\n\x1a\n",
                 b"\xff\xd8\xff", b"<script>alert(1)</script>", b"\xef\xbb\xbf" + "题目,负责人\n".encode(), b"\xfe\xff"]

ints_as_text = st.one_of(st.sampled_from(INT_EDGES), st.integers()).map(str)
numbers = st.one_of(ints_as_text, st.sampled_from(MALFORMED_NUMBERS))
texts = st.one_of(st.sampled_from(TEXTS), st.text(max_size=60),
                  st.text(st.characters(max_codepoint=0x1f), max_size=10),
                  st.text(st.characters(categories=["Cf", "Zl", "Zp", "Co"]), max_size=10))
dates = st.one_of(st.sampled_from(DATES), st.dates().map(lambda d: d.isoformat()))
datetimes = st.one_of(st.sampled_from(DATETIMES), st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")))
anything = st.one_of(numbers, texts, dates, datetimes, st.sampled_from(CHOICES))


def _file(pair):
    name, content = pair
    return (io.BytesIO(content), name)


files = st.tuples(st.sampled_from(FILENAMES), st.sampled_from(FILE_CONTENTS)).map(_file)


#: Ordinary values, so that a request with one hostile field among plausible ones gets past validation
#: and into the services and the database.
PLAUSIBLE = {"text": ["测试", "会务组", "请于周五前完成", "a@b.cn"], "number": ["1", "2", "5", "30"],
             "date": ["2026-01-10", "2026-03-01"], "datetime": ["2026-01-10T09:00", "2026-03-01T17:30"],
             "time": ["09:00", "17:00"], "bool": ["y"], "choice": []}


def value_for(kind: str, choices: list[str] = (), ids: list[int] = ()) -> st.SearchStrategy:
    """A value for an input of this kind: hostile in its own kind, plausible, or anything at all."""
    own = {
        "text": texts,
        "number": numbers,
        "date": dates,
        "datetime": datetimes,
        "time": st.sampled_from(TIMES),
        "bool": st.sampled_from(["y", "on", "1", "0", "false", "", "\x00"]),
        "file": files,
    }.get(kind, texts)
    if kind == "choice":
        own = st.sampled_from([*choices, *CHOICES]) if choices else st.sampled_from(CHOICES)
    if ids:  # an id field: the world's own ids half the time, so the request gets past "not found"
        own = st.one_of(st.sampled_from(list(ids)).map(str), own)
    if kind == "file":
        return own
    plausible = [*PLAUSIBLE.get(kind, ()), *choices, *map(str, list(ids)[:5])]
    if plausible:
        return st.one_of(own, own, st.sampled_from(plausible), st.sampled_from(plausible), anything)
    return st.one_of(own, own, own, anything)


def many(kind: str, choices: list[str] = (), ids: list[int] = ()) -> st.SearchStrategy:
    """A multi-value input (select multiple, several files)."""
    return st.lists(value_for(kind, choices, ids), max_size=4)
