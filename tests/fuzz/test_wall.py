"""The fuzz wall: every route × every role (and anonymous) with hostile input, on the database the suite
runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL).

Routes come from ``app.url_map``, so a route added later is fuzzed without touching this file. For each
route the wall knows:

* the URL arguments: ``<int:noun_id>`` drawn from the ids of the demo world's rows (so requests get past
  "not found") or hostile integers; string arguments from hostile texts or the converter's own words;
* the form fields: the WTForms forms its view function (and the module's helpers it calls) build,
  introspected field by field (kind, FieldList entries, choices), plus the inputs of the page the route
  draws on GET;
* the query parameters: every name the view's module reads from ``request.args`` (``arg_id``, …).

Each example picks a role, a method and a body shape (form, multipart with files, JSON, raw bytes under a
wrong content type) and fills every input with a value from tests/fuzz/hostile.py. It asserts: no 5xx;
no hostile markup reflected raw in an HTML page; and, when the answer is a 4xx (a refusal), the data is
unchanged (row counts and record versions, ``fingerprint``).

Budget: ``FUZZ_EXAMPLES`` examples per route (default 10, derandomized); ``make fuzz`` runs a long,
randomized campaign. The figures are printed at the end of the run (tests/fuzz/conftest.py).
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text
from werkzeug.routing import AnyConverter, IntegerConverter
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TimeField,
)
from wtforms.fields.simple import FileField, MultipleFileField

from meetingprep import create_app
from meetingprep.extensions import db
from meetingprep.forms import BaseForm
from meetingprep.ops.views import migration_heads
from tests.conftest import TEST_DATABASE_URL, FreshRequestClient, _with_search_path
from tests.fuzz import hostile
from tests.fuzz.stats import STATS
from tests.ops.test_health import stamp

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 10)
LONG_CAMPAIGN = bool(os.environ.get("FUZZ_EXAMPLES"))
SKIPPED_ENDPOINTS = {"static", "bootstrap.static"}
#: The demo's accounts, one per role; None is anonymous.
ROLE_LOGINS = {"admin": "admin", "secretariat": "mishu", "group_lead": "huiwu_zz", "staff": "huiwu_01",
               "leader": "zhuxi", "member": "weiyuan001", None: None}
#: Tables a refused request may legitimately write: the refusal's own audit row, sessions' last-seen time,
#: login throttling, the dashboard's figure cache, the scheduler's bookkeeping.
UNFINGERPRINTED = {"audit_entries", "user_sessions", "login_attempts", "login_throttles", "heartbeats",
                   "scheduler_job_runs", "dashboard_snapshots"}
#: <noun>_id → the table whose ids to try (others: "<noun>s").
ID_TABLES = {"template": ("pipeline_templates", "plan_templates"), "type": ("document_types",),
             "member": ("member_profiles",), "leave": ("leave_requests",), "duty": ("checkin_duties",),
             "attachment": ("task_attachments",), "hand_off": ("task_dependencies",),
             "membership": ("group_memberships",), "delivery": ("notification_deliveries",),
             "group": ("working_groups", "discussion_groups"), "owner": ("users",), "drafter": ("users",),
             "reviewer": ("users",), "coworker": ("users",), "predecessor": ("tasks",), "sitting": ("sittings",),
             "number": ("document_versions", "material_versions"), "item": ("agenda_items",), "slot": ("speech_slots",),
             "follow_up": ("absence_follow_ups",),
             "opinion": ("discussion_opinions",), "recorder": ("discussion_recorders",)}
QUERY_NAME = re.compile(r"""(?:args|values)\.get\(\s*["'](\w+)["']|(?:arg_id|arg_int|_version_arg)\(\s*["'](\w+)["']""")
INPUT_TAG = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)
SELECT_TAG = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
OPTION_VALUE = re.compile(r'<option\b[^>]*value="([^"]*)"')
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
BODY_SHAPES = ["form", "form", "form", "form", "form", "form", "json", "raw"]
RAW_TYPES = ["application/json", "text/plain", "application/xml", "multipart/form-data",
             "application/x-www-form-urlencoded", "application/octet-stream", "multipart/form-data; boundary=x"]
RAW_BODIES = [b"{bad json", b"%zz%00=%ff&a=%", b"\x00\xff\xfe", b'{"a": [1, {"b": null}]}', b"--x\r\nbroken",
              b"a=" + b"9" * 5000, b"[]", b'"\\u0000"']


# ── the world ───────────────────────────────────────────────────────────────────────────────────
@dataclass
class Input:
    name: str
    kind: str  # text, number, date, datetime, time, bool, choice, file
    multiple: bool = False
    choices: list[str] = field(default_factory=list)
    id_noun: str | None = None


@dataclass
class Route:
    endpoint: str
    rule: object
    methods: list[str]
    inputs: dict[str, Input]
    query: list[str]


class Wall:
    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.users = {}
        self.ids: dict[str, list[int]] = {}
        self.errors: list[str] = []
        tables = [t for t in db.metadata.sorted_tables if t.name not in UNFINGERPRINTED]
        parts = [select(func.count()).select_from(t).scalar_subquery() for t in tables]
        parts += [select(func.coalesce(func.sum(t.c.version_id), 0)).scalar_subquery()
                  for t in tables if "version_id" in t.c]
        self._fingerprint = select(*parts)

    def fingerprint(self) -> tuple:
        db.session.rollback()
        return tuple(db.session.execute(self._fingerprint).one())

    def ids_for(self, noun: str) -> list[int]:
        if noun not in self.ids:
            from sqlalchemy import column, table

            found = []
            for name in ID_TABLES.get(noun, (f"{noun}s",)):
                if name in db.metadata.tables:
                    id_column = "number" if noun == "number" else "id"
                    rows = db.session.execute(select(column(id_column)).select_from(table(name))
                                              .order_by(column(id_column)).limit(40)).scalars()
                    found += [row for row in rows if row is not None]
            self.ids[noun] = sorted(set(found)) or [1]
        return self.ids[noun]

    def log_in_everyone(self) -> dict:
        """A fresh server-side session per role (an example may have logged out or had its user changed)."""
        from meetingprep.auth.models import User
        from meetingprep.ops.sessions import start_session
        from meetingprep.permissions import Role

        db.session.rollback()
        keys = {None: None}
        for role, username in ROLE_LOGINS.items():
            if username is None:
                continue
            user = db.session.scalar(select(User).where(User.username == username))
            user.role, user.is_active_account = Role(role), True  # undo what an earlier route's admin example did
            start_session(user)
            keys[role] = user.get_id()
        db.session.commit()
        return keys

    def use_session(self, key: str | None) -> None:
        with self.client.session_transaction() as session:
            session.clear()
            if key is not None:
                session["_user_id"] = key
                session["_fresh"] = True


@pytest.fixture(scope="module")
def wall(tmp_path_factory):
    schema = f"fuzz_{uuid.uuid4().hex[:10]}" if TEST_DATABASE_URL else None
    if schema:
        admin = create_engine(TEST_DATABASE_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url, options = _with_search_path(TEST_DATABASE_URL, schema)
        database = {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    else:
        database = {"DATABASE_URL": "sqlite://"}
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path_factory.mktemp("fuzz") / "instance"),
                      "SECRET_KEY": "fuzz-secret", "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost",
                      "SCHEDULER_EXPECTED": False,
                      **database})
    app.test_client_class = FreshRequestClient
    recorder = _ErrorRecorder()
    logging.getLogger("meetingprep").addHandler(recorder)
    with app.app_context():
        db.create_all()
        from meetingprep.demo import build_demo

        build_demo("small")
        _add_rows_from_before_the_bounds()
        stamp(*migration_heads())  # as `flask db upgrade` leaves it: /readyz answers ready
        found = Wall(app)
        found.recorder = recorder
        found.routes = {route.endpoint: route for route in discover_routes(app, found)}
        yield found
        db.session.remove()
        db.engine.dispose()
    logging.getLogger("meetingprep").removeHandler(recorder)
    if schema:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _add_rows_from_before_the_bounds() -> None:
    """Dates no form accepts any more but a database may still hold: every page is walked with them present."""
    import datetime as dt

    from meetingprep.meetings.models import Meeting
    from meetingprep.tasks.models import Task

    task = db.session.scalars(select(Task).join(Meeting, Meeting.id == Task.meeting_id)
                              .where(Meeting.is_current.is_(True)).order_by(Task.id)).first()
    for due_at, starts_on in ((dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), dt.date(1, 1, 1)),
                              (dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC), None)):
        db.session.add(Task(meeting_id=task.meeting_id, group_id=task.group_id, owner_id=task.owner_id,
                            title="边界日期的任务", due_at=due_at, starts_on=starts_on))
    db.session.commit()


class _ErrorRecorder(logging.Handler):
    """The last unhandled error the app logged (its 500 page hides it): the failure report names it."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.last = None

    def emit(self, record):
        if record.exc_info:
            error = record.exc_info[1]
            frame = error.__traceback__
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            where = f"{frame.tb_frame.f_code.co_filename.rsplit('/meetingprep/', 1)[-1]}:{frame.tb_lineno}" \
                if frame else "?"
            self.last = f"{type(error).__name__}: {str(error)[:160]} at {where}"


# ── discovering what each route takes ──────────────────────────────────────────────────────────
def endpoints() -> list[str]:
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x",
                      "INSTANCE_PATH": "/tmp/meetingprep-fuzz-collect"})
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()} - SKIPPED_ENDPOINTS)


def _kind(unbound_class) -> tuple[str, bool]:
    if issubclass(unbound_class, SubmitField):
        return "skip", False
    if issubclass(unbound_class, MultipleFileField):
        return "file", True
    if issubclass(unbound_class, FileField):
        return "file", False
    if issubclass(unbound_class, SelectMultipleField):
        return "choice", True
    if issubclass(unbound_class, SelectField | RadioField):
        return "choice", False
    if issubclass(unbound_class, BooleanField):
        return "bool", False
    if issubclass(unbound_class, IntegerField | DecimalField | FloatField):
        return "number", False
    if issubclass(unbound_class, TimeField):
        return "time", False
    if issubclass(unbound_class, DateField):
        return "date", False
    if issubclass(unbound_class, DateTimeField):
        return "datetime", False
    return "text", False


def _id_noun(name: str) -> str | None:
    match = re.search(r"(?:^|[-_])([a-z]+)_ids?$", name)
    return match[1] if match else ("version" if name == "version_id" else None)


def form_inputs(form_class, prefix: str = "") -> list[Input]:
    """Every leaf field of a form class, FieldList entries as ``name-0-sub`` (and a few more indexes)."""
    inputs = []
    for name, unbound in form_class._unbound_fields or _unbound(form_class):
        if name == "csrf_token":
            continue
        full = f"{prefix}{name}"
        cls = unbound.field_class
        if issubclass(cls, FieldList):
            inner = unbound.args[0] if unbound.args else unbound.kwargs.get("unbound_field")
            for index in (0, 1, 19, 25):
                if issubclass(inner.field_class, FormField):
                    inputs += form_inputs(inner.args[0], f"{full}-{index}-")
                else:
                    kind, multiple = _kind(inner.field_class)
                    inputs.append(Input(f"{full}-{index}", kind, multiple))
            continue
        if issubclass(cls, FormField):
            inputs += form_inputs(unbound.args[0], f"{full}-")
            continue
        kind, multiple = _kind(cls)
        if kind == "skip":
            continue
        choices = [str(value) for value, *_ in (unbound.kwargs.get("choices") or [])
                   if not callable(unbound.kwargs.get("choices"))]
        inputs.append(Input(full, kind, multiple, choices, _id_noun(name)))
    return inputs


def _unbound(form_class):
    fields = []
    for name in dir(form_class):
        if not name.startswith("_"):
            value = getattr(form_class, name, None)
            if hasattr(value, "field_class"):
                fields.append((name, value))
    return fields


def _functions_of(view) -> list:
    """The view and the module-level helpers it names (one level), to find the forms and arguments they read."""
    view = inspect.unwrap(view)
    module = inspect.getmodule(view)
    source = inspect.getsource(view)
    found = [view]
    for name in set(re.findall(r"\b(_?[a-z]\w*)\(", source)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and inspect.getmodule(helper) is module and helper is not view:
            found.append(helper)
    return found


def discover_routes(app, wall: Wall) -> list[Route]:
    routes = []
    with app.test_request_context("/"):
        for rule in app.url_map.iter_rules():
            if rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            view = app.view_functions[rule.endpoint]
            inputs: dict[str, Input] = {}
            query: set[str] = {"page"}
            for function in _functions_of(view):
                source = inspect.getsource(function)
                namespace = function.__globals__
                for name in set(re.findall(r"\b([A-Z]\w*Form)\b", source)):
                    form_class = namespace.get(name)
                    if isinstance(form_class, type) and issubclass(form_class, BaseForm):
                        for item in form_inputs(form_class):
                            inputs.setdefault(item.name, item)
                for match in QUERY_NAME.finditer(source):
                    query.add(match[1] or match[2])
                if "LedgerFilter" in source or "from_args" in source:
                    query |= {"group", "owner", "involving", "phase", "status", "open", "overdue", "due_within",
                              "waiting", "q", "sort"}
            routes.append(Route(rule.endpoint, rule, sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}),
                                inputs, sorted(query)))
    _add_page_inputs(app, wall, routes)
    return routes


def _add_page_inputs(app, wall: Wall, routes: list[Route]) -> None:
    """Inputs drawn on the route's own page (a GET as the secretariat and as the admin): fields added at run
    time (a template's group selects) and inputs a view reads without a form."""
    keys = wall.log_in_everyone()
    for route in routes:
        if "GET" not in route.methods:
            continue
        for role in ("secretariat", "admin"):
            try:
                url = _build(route, {arg: _first_value(route, arg, wall) for arg in route.rule.arguments})
            except Exception:
                break
            wall.use_session(keys[role])
            response = wall.client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = response.get_data(as_text=True)
            for attributes, options in SELECT_TAG.findall(page):  # the choices the view set at run time
                name = dict(ATTRIBUTE.findall(attributes)).get("name")
                if name in route.inputs and not route.inputs[name].choices:
                    route.inputs[name].choices = sorted(set(OPTION_VALUE.findall(options)))[:30]
            for tag, attributes in INPUT_TAG.findall(page):
                attrs = dict(ATTRIBUTE.findall(attributes))
                name = attrs.get("name")
                if not name or name == "csrf_token" or name in route.inputs:
                    continue
                kind = {"date": "date", "datetime-local": "datetime", "number": "number", "file": "file",
                        "checkbox": "bool", "time": "time"}.get(attrs.get("type", ""), "text")
                route.inputs[name] = Input(name, "choice" if tag == "select" else kind, "multiple" in attributes,
                                           id_noun=_id_noun(name))
                if tag == "select":
                    select = next((o for a, o in SELECT_TAG.findall(page) if f'name="{name}"' in a), "")
                    route.inputs[name].choices = sorted(set(OPTION_VALUE.findall(select)))[:30]


def _first_value(route: Route, argument: str, wall: Wall):
    converter = route.rule._converters[argument]
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, IntegerConverter):
        return wall.ids_for(argument.removesuffix("_id"))[0]
    return "fuzz-token"


def _build(route: Route, values: dict) -> str:
    return route.rule.build({k: str(v) for k, v in values.items()}, append_unknown=False)[1]


# ── one example ─────────────────────────────────────────────────────────────────────────────────
def _url_argument(route: Route, argument: str, wall: Wall) -> st.SearchStrategy:
    converter = route.rule._converters[argument]
    if isinstance(converter, AnyConverter):
        return st.one_of(st.sampled_from(sorted(converter.items)), st.sampled_from(sorted(converter.items)),
                         hostile.texts.filter(bool))
    if isinstance(converter, IntegerConverter):
        return st.one_of(st.sampled_from(wall.ids_for(argument.removesuffix("_id"))).map(str),
                         st.sampled_from(wall.ids_for(argument.removesuffix("_id"))).map(str),
                         st.sampled_from(hostile.INT_EDGES).map(str))
    if argument == "day":
        return hostile.dates
    return st.one_of(hostile.texts.filter(bool), st.sampled_from(["fuzz-token", "x" * 64]))


def _input_value(item: Input, wall: Wall) -> st.SearchStrategy:
    ids = wall.ids_for(item.id_noun) if item.id_noun else ()
    if item.multiple:
        return hostile.many(item.kind, item.choices, ids)
    return hostile.value_for(item.kind, item.choices, ids)


def _query_value(name: str, wall: Wall) -> st.SearchStrategy:
    noun = {"group": "group", "owner": "user", "involving": "user", "meeting": "meeting", "type": "type",
            "meeting_id": "meeting", "a": "number", "b": "number"}.get(name)
    kind = {"month": "text", "day": "date"}.get(name, "number" if noun or name == "page" else "text")
    return hostile.value_for(kind, ids=wall.ids_for(noun) if noun else ())


def _payload(route: Route, wall: Wall):
    inputs = {name: _input_value(item, wall) for name, item in route.inputs.items()}
    return st.fixed_dictionaries({}, optional=inputs) if inputs else st.just({})


def _safe_url(url: str) -> str:
    return url if len(url) < 200 else url[:200] + "…"


def fuzz(route: Route, wall: Wall) -> list[str]:
    keys = wall.log_in_everyone()
    failures: list[str] = []
    arguments = st.fixed_dictionaries({arg: _url_argument(route, arg, wall) for arg in route.rule.arguments})
    query = st.fixed_dictionaries({}, optional={name: _query_value(name, wall) for name in route.query})

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not LONG_CAMPAIGN,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def example(data):
        role = data.draw(st.sampled_from(list(ROLE_LOGINS)), label="role")
        method = data.draw(st.sampled_from(route.methods), label="method")
        try:
            url = _build(route, data.draw(arguments, label="url arguments"))
        except Exception:  # a hostile value the rule cannot even build: the router would never see it
            return
        params = data.draw(query, label="query")
        kwargs: dict = {"query_string": params}
        shape = "form"
        if method != "GET":
            shape = data.draw(st.sampled_from(BODY_SHAPES), label="body shape")
            body = data.draw(_payload(route, wall), label="body")
            if shape == "json":
                kwargs["json"] = {k: v for k, v in body.items() if not _is_file(v)}
            elif shape == "raw":
                kwargs["data"] = data.draw(st.sampled_from(RAW_BODIES))
                kwargs["content_type"] = data.draw(st.sampled_from(RAW_TYPES))
            else:
                kwargs["data"] = body
                if any(_is_file(v) for v in body.values()):
                    kwargs["content_type"] = "multipart/form-data"
        elif route.inputs and data.draw(st.booleans(), label="form in the query"):
            params.update({k: v for k, v in data.draw(_payload(route, wall)).items() if not _is_file(v)})
        wall.use_session(keys[role])
        before = wall.fingerprint()
        wall.recorder.last = None
        response = wall.client.open(url, method=method, **kwargs)
        STATS.count(route.endpoint, response.status_code)
        where = f"{method} {_safe_url(url)} as {role or 'anonymous'} ({shape})"
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {where}: {wall.recorder.last or 'no error logged'}")
            return
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            for marker in hostile.RAW_MARKERS:
                if marker in page:
                    failures.append(f"{where} drew {marker!r} unescaped")
        if 400 <= response.status_code < 500 and wall.fingerprint() != before:
            failures.append(f"{response.status_code} {where} changed the data although refused")

    example()
    return failures


def _is_file(value) -> bool:
    return isinstance(value, tuple) or (isinstance(value, list) and any(isinstance(v, tuple) for v in value))


@pytest.mark.parametrize("endpoint", endpoints())
def test_route_survives_hostile_input(wall, endpoint):
    route = wall.routes[endpoint]
    failures = fuzz(route, wall)
    STATS.route_done(endpoint, failures)
    unique = list(dict.fromkeys(failures))
    assert not unique, f"{len(unique)} failures on {endpoint}:\n" + "\n".join(unique[:12])


def test_every_route_was_discovered(wall):
    """The wall reads the routes from the URL map; a route it cannot reach would be a silent gap."""
    assert set(wall.routes) == set(endpoints())
    with_forms = [route for route in wall.routes.values() if route.inputs]
    assert len(with_forms) > 40, "form introspection found too few forms"
    assert {"stages-0-name", "stages-1-reviewer_ids"} <= set(wall.routes["documents.template_new"].inputs)
    assert "task_ids" in wall.routes["tasks.bulk"].inputs
