"""Input is bounded once: every id, page number, date and text a request brings passes through here.

Ids and page numbers stay inside the database's integer range (a 32-bit INTEGER column: beyond it no
row can exist, and PostgreSQL answers an overflow with an error, SQLite with an OverflowError — a 500
either way). Dates stay within 2000–2100: a task due 9999-12-31 broke every page that drew it, because
moving it into the display zone or adding a day leaves Python's date range. Texts lose NUL and the
other C0 control characters: PostgreSQL refuses NUL outright.

The URL converter (``<int:…>``), the query-string readers (``arg_id``, ``arg_int``, ``page_number``),
the WTForms coercers and validators (``to_id``, ``to_id_or_none``, ``DateWithin``) and the request
class that strips NUL from every form value and upload filename all live here, so a new route or form
is bounded by using them and nothing else.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms.validators import StopValidation, ValidationError

#: The largest id a row can have (a 32-bit INTEGER, int4 on PostgreSQL).
MAX_ID = 2**31 - 1
#: A page number beyond any list this service shows; larger ones are the last page's business, not ours.
MAX_PAGE = 100_000
#: The dates a person may type: a meeting is prepared within a few years of it, never in year 9999.
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
DATE_MESSAGE = f"日期应在 {MIN_DATE.year} 年至 {MAX_DATE.year} 年之间。"

_INTEGER = re.compile(r"[+-]?[0-9]+")
#: C0 control characters and DEL, except tab and line breaks: none belongs in a text.
_CONTROL_CHARACTERS = dict.fromkeys([*(code for code in range(32) if code not in (9, 10, 13)), 127])


# ── integers ────────────────────────────────────────────────────────────────────────────────────
def parse_int(value, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """``value`` as an integer within [minimum, maximum], else None (malformed, too big, too small)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        # ASCII digits only (int() also takes "1_000" and other scripts' digits); longer than any int8 is
        # out of range anyway, and int() is spared a 100k-digit parse
        if len(value) > 20 or not _INTEGER.fullmatch(value):
            return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value) -> int | None:
    """A row id (1 … MAX_ID) or None."""
    return parse_int(value, 1, MAX_ID)


def arg_id(name: str) -> int | None:
    """``?name=<id>`` from the query string; anything else (missing, malformed, out of range) is None,
    i.e. the filter is ignored."""
    return parse_id(request.args.get(name))


def arg_int(name: str, default: int | None = None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``?name=N`` within [minimum, maximum]; missing, malformed or out of range is ``default``."""
    number = parse_int(request.args.get(name), minimum, maximum)
    return default if number is None else number


def page_number() -> int:
    """``?page=N``; malformed or out of range is page 1, never an error (a huge page is the last one's
    business: ``min(page_number(), pages)``)."""
    number = parse_int(request.args.get("page"), 1, 10**20)
    return 1 if number is None else min(number, MAX_PAGE)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: beyond a 32-bit integer no row can exist, so 404 rather than an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


# ── WTForms ─────────────────────────────────────────────────────────────────────────────────────
def to_id(value) -> int:
    """``coerce=`` for a select of ids: out of range or malformed is a ValueError, which WTForms turns into
    a field error ("not a valid choice"), never a query."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
        return value
    number = parse_int(value, 0, MAX_ID)
    if number is None:
        raise ValueError("不是有效的选项。")
    return number


def to_id_or_none(value) -> int | None:
    """``coerce=`` for a select whose blank or unknown value means "none chosen" (InputRequired then says so)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_ID else None
    return parse_int(value, 0, MAX_ID)


class DateWithin:
    """A date or datetime field's value lies within MIN_DATE … MAX_DATE. BaseForm adds it to every date field."""

    def __call__(self, form, field) -> None:
        value = field.data
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date) and not MIN_DATE <= value <= MAX_DATE:
            raise ValidationError(DATE_MESSAGE)


class IntegerWithin:
    """An integer field's value fits a 64-bit integer, checked before its other validators: WTForms'
    NumberRange compares through float(), which overflows on a 400-digit number (a 500)."""

    def __call__(self, form, field) -> None:
        if isinstance(field.data, int) and not -(2**63) <= field.data < 2**63:
            raise StopValidation("数字超出范围。")


# ── dates ───────────────────────────────────────────────────────────────────────────────────────
def within(day: dt.date) -> bool:
    return MIN_DATE <= day <= MAX_DATE


def clamp_date(day: dt.date) -> dt.date:
    """Into MIN_DATE … MAX_DATE: for drawing rows written before the bounds (a chart, a calendar)."""
    return min(max(day, MIN_DATE), MAX_DATE)


def clamp_moment(moment: dt.datetime) -> dt.datetime:
    """An aware datetime into the window's first and last minute (in its own zone)."""
    low = dt.datetime.combine(MIN_DATE, dt.time(), tzinfo=moment.tzinfo)
    high = dt.datetime.combine(MAX_DATE, dt.time(23, 59), tzinfo=moment.tzinfo)
    return min(max(moment, low), high)


def shift_date(day: dt.date, days: int) -> dt.date:
    """``day + days``, held inside Python's date range (data written before the bounds may sit at its edge)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


# ── text ────────────────────────────────────────────────────────────────────────────────────────
def clean_text(value):
    """Control characters out (tab and line breaks stay), surrounding whitespace off; non-strings as given."""
    return value.translate(_CONTROL_CHARACTERS).strip() if isinstance(value, str) else value


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


def json_formdata(value) -> ImmutableMultiDict:
    """A JSON body as form data: an object whose values are texts, numbers, booleans or lists of them, NUL
    removed; any other shape (a string, a list, nested objects) is no data, so the form says what is missing."""
    pairs = []
    for key, item in (value.items() if isinstance(value, dict) else ()):
        for one in item if isinstance(item, list) else [item]:
            if isinstance(one, bool):
                one = "true" if one else "false"
            elif isinstance(one, int | float):
                one = str(one)
            if isinstance(one, str):
                pairs.append((_without_nul(key), _without_nul(one)))
    return ImmutableMultiDict(pairs)


class BoundedRequest(Request):
    """Every form value and upload filename without NUL, whoever reads it (a form, a FieldList subfield, a
    view reading ``request.form`` itself, the upload store). Query strings with NUL are refused (400)
    before any view runs; see web.refuse_nul."""

    def _load_form_data(self) -> None:
        loaded = "form" in self.__dict__
        super()._load_form_data()
        if loaded:
            return
        form = self.__dict__["form"]
        if any("\x00" in key or "\x00" in value for key, value in form.items(multi=True)):
            self.__dict__["form"] = ImmutableMultiDict(
                [(_without_nul(key), _without_nul(value)) for key, value in form.items(multi=True)])
        for storage in self.__dict__["files"].values():
            if storage.filename and "\x00" in storage.filename:
                storage.filename = _without_nul(storage.filename)
