"""Input is bounded once (meetingprep.bounds): ids and pages within the integer range, dates within
2000–2100, NUL out of every text. Each HTTP case here was a 500 before (issue #17, "Crashes from input")."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateTimeField, FieldList, FormField, IntegerField, TimeField

import meetingprep
from meetingprep import bounds, timeutil
from meetingprep.bounds import MAX_ID, DateWithin, IntegerWithin, clean_text
from meetingprep.extensions import db
from meetingprep.forms import BaseForm
from meetingprep.timeutil import now
from tests import factories

INT4_EDGE = str(2**31)  # 2,147,483,648: one past PostgreSQL's INTEGER
INT8_EDGE = str(2**63)  # 9,223,372,036,854,775,808: one past BIGINT and SQLite's INTEGER
HUGE = "99999999999999999999"


# ── the helpers ─────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("value, expected", [
    ("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (INT4_EDGE, None), (INT8_EDGE, None), (HUGE, None),
    ("0", None), ("-1", None), ("", None), (None, None), ("1e3", None), ("abc", None), ("9" * 5000, None),
    ("１２", None), (True, None), (7, 7)])
def test_parse_id(value, expected):
    assert bounds.parse_id(value) == expected


def test_to_id_refuses_out_of_range_so_wtforms_reports_a_field_error():
    assert bounds.to_id("5") == 5 and bounds.to_id(0) == 0
    for bad in (INT4_EDGE, "-1", "x", "", HUGE):
        with pytest.raises(ValueError):
            bounds.to_id(bad)
    assert bounds.to_id_or_none(INT4_EDGE) is None and bounds.to_id_or_none("3") == 3


def test_page_number_is_bounded(app):
    for raw, page in (("3", 3), (INT8_EDGE, bounds.MAX_PAGE), ("-5", 1), ("x", 1), ("", 1)):
        with app.test_request_context(f"/?page={raw}"):
            assert bounds.page_number() == page


def test_shift_date_and_local_conversions_stay_inside_pythons_range(app):
    assert bounds.shift_date(dt.date.max, 1) == dt.date.max and bounds.shift_date(dt.date.min, -1) == dt.date.min
    edge = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
    assert timeutil.to_local(edge).year == 9999  # was OverflowError: +8 h leaves year 9999
    assert timeutil.local_midnight(dt.date(1, 1, 1)).year == 1


def _all_forms() -> list[type]:
    for module in pkgutil.walk_packages(meetingprep.__path__, "meetingprep."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("meetingprep."):
                found.append(sub)
    return found


def test_every_form_is_a_base_form_and_every_date_is_bounded(app):
    forms = _all_forms()
    assert len(forms) > 30
    strays = [form.__qualname__ for form in forms if not issubclass(form, BaseForm)]
    assert not strays, f"forms not derived from BaseForm (their text and dates are not bounded): {strays}"
    with app.test_request_context("/"):
        unbounded, unclean, huge = [], [], []
        for form_class in forms:
            try:
                form = form_class(meta={"csrf": False})
            except TypeError:  # a form needing constructor arguments (e.g. an apply form): its fields below
                continue
            for field in _leaf_fields(form):
                if isinstance(field, DateTimeField) and not isinstance(field, TimeField) and \
                        not any(isinstance(v, DateWithin) for v in field.validators):
                    unbounded.append(f"{form_class.__qualname__}.{field.name}")
                if isinstance(field, IntegerField) and not isinstance(field.validators[0], IntegerWithin):
                    huge.append(f"{form_class.__qualname__}.{field.name}")
                if field.type in ("StringField", "TextAreaField", "EmailField", "SearchField") and \
                        clean_text not in field.filters:
                    unclean.append(f"{form_class.__qualname__}.{field.name}")
        assert not unbounded, f"date fields without DateWithin: {unbounded}"
        assert not unclean, f"text fields without clean_text: {unclean}"
        assert not huge, f"integer fields not bounded first by IntegerWithin: {huge}"


def _leaf_fields(form):
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from _leaf_fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        else:
            yield field


# ── integers in URLs, query strings and forms ──────────────────────────────────────────────────
@pytest.fixture
def secretariat(app, login):
    meeting = factories.make_meeting()
    group = factories.make_group(meeting, name="材料组")
    user = factories.make_user("secretariat", username="mishu_bounds")
    task = factories.make_task(meeting, group)
    db.session.commit()
    login(user)
    return user, meeting, group, task


@pytest.mark.parametrize("url", [
    f"/tasks/?page={INT8_EDGE}", f"/tasks/?group={HUGE}", f"/tasks/?owner={INT4_EDGE}", f"/tasks/?page={INT4_EDGE}",
    f"/documents/?page={INT8_EDGE}", f"/documents/?group={HUGE}", f"/documents/?type={INT4_EDGE}",
    f"/notifications/?page={INT8_EDGE}", f"/plans/calendar?group={HUGE}&meeting={INT8_EDGE}",
    f"/plans/timeline?group={INT4_EDGE}&page={INT8_EDGE}", f"/tasks/new?group={HUGE}", f"/attendance/?page={HUGE}",
    f"/dashboard/wall?refresh={INT8_EDGE}", f"/audit/?page={INT8_EDGE}"])
def test_out_of_range_numbers_in_query_strings_are_ignored(client, secretariat, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 404), f"{url}: {response.status_code}"


@pytest.mark.parametrize("task_id", [INT4_EDGE, INT8_EDGE, HUGE, "-1"])
def test_bulk_edit_with_an_out_of_range_id_is_refused_with_a_message(client, secretariat, task_id):
    _user, _meeting, _group, task = secretariat
    response = client.post("/tasks/bulk", data={"task_ids": [str(task.id), task_id], "op": "cancel",
                                                "reason": "测试"}, follow_redirects=True)
    assert response.status_code == 200 and "批量修改的内容有误" in response.get_data(as_text=True)
    assert db.session.get(type(task), task.id).status.value != "cancelled"


@pytest.mark.parametrize("url", [f"/tasks/{INT4_EDGE}", f"/tasks/{INT8_EDGE}", f"/documents/{HUGE}/diff"])
def test_out_of_range_ids_in_urls_are_not_found(client, secretariat, url):
    assert client.get(url).status_code == 404


# ── dates ───────────────────────────────────────────────────────────────────────────────────────
def _task_form(group, owner_id, **changes) -> dict:
    return {"title": "远期任务", "group_id": group.id, "owner_id": owner_id, "phase": "before",
            "priority": "normal", "due_mode": "absolute", "due_at": "2026-03-01T17:00", "offset_direction": "before",
            **changes}


@pytest.mark.parametrize("field, value", [("due_at", "9999-12-31T23:59"), ("due_at", "0001-01-01T00:00"),
                                          ("starts_on", "1999-12-31"), ("starts_on", "9999-12-31")])
def test_task_dates_outside_2000_to_2100_are_refused_in_chinese(client, secretariat, field, value):
    _user, _meeting, group, task = secretariat
    before = db.session.scalar(select(func.count()).select_from(type(task)))
    response = client.post("/tasks/new", data=_task_form(group, task.owner_id, **{field: value}))
    assert response.status_code == 400 and bounds.DATE_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(type(task))) == before


def test_meeting_opening_in_year_9999_is_refused(client, secretariat):
    response = client.post("/meetings/new", data={"name": "远期会议", "opens_at": "9999-12-31T09:00",
                                                  "closes_at": "9999-12-31T18:00"})
    assert response.status_code == 400 and bounds.DATE_MESSAGE in response.get_data(as_text=True)


def test_calendar_day_beyond_the_window_is_not_found(client, secretariat):
    for day in ("9999-12-31", "0001-01-01", "1999-12-31"):
        response = client.get(f"/plans/calendar/{day}")
        assert response.status_code == 404 and "没有这一天的节点" in response.get_data(as_text=True)
    assert client.get("/plans/calendar/2100-12-31").status_code == 200


def test_pages_survive_dates_written_before_the_bounds(client, secretariat):
    """Rows already in the database from before the forms were bounded: a task due at the end of year 9999
    (UTC, so its local time is past Python's range) starting in year 1, and a meeting opening in 9999."""
    _user, meeting, group, task = secretariat
    task.due_at = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)
    task.starts_on = dt.date(1, 1, 1)
    factories.make_task(meeting, group, due_at=dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC))
    db.session.commit()
    for url in ("/plans/timeline", f"/plans/timeline?group={group.id}", f"/tasks/{task.id}", "/tasks/",
                "/tasks/mine", f"/tasks/board/{group.id}", "/plans/calendar", "/plans/calendar?month=2100-12",
                f"/tasks/{task.id}/edit", "/tasks/export.xlsx", "/tasks/export.csv", "/dashboard", "/dashboard/wall",
                "/api/dashboard", "/dashboard/export.xlsx", "/plans/ical", "/"):
        assert client.get(url).status_code == 200, url
    from meetingprep.plans import services as plan_services

    task.owner_id = _user.id  # the feed lists the user's own open tasks
    plan_services.regenerate_ical_token(_user)
    db.session.commit()
    assert client.get(f"/plans/ical/{_user.ical_token}.ics").status_code == 200
    meeting.opens_at = dt.datetime(9999, 12, 31, 20, 0, tzinfo=dt.UTC)
    meeting.closes_at = dt.datetime(9999, 12, 31, 22, 0, tzinfo=dt.UTC)
    db.session.commit()
    for url in ("/plans/timeline", "/plans/calendar", f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/edit",
                "/tasks/", "/dashboard", "/dashboard/wall", "/api/dashboard", "/"):
        assert client.get(url).status_code == 200, url


# ── NUL ─────────────────────────────────────────────────────────────────────────────────────────
def test_nul_in_an_upload_filename_is_stripped(client, secretariat):
    from meetingprep.tasks.models import TaskAttachment

    _user, _meeting, _group, task = secretariat
    response = client.post(f"/tasks/{task.id}/comments", data={
        "body": "附件", "files": [(io.BytesIO("正文".encode()), "a\x00b.txt")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(TaskAttachment.original_name)) == "ab.txt"


def test_nul_in_a_pipeline_stage_name_is_stripped(client, secretariat):
    from meetingprep.documents import queries

    reviewer = factories.make_user("staff")
    db.session.commit()
    response = client.post("/documents/pipelines/new", data={
        "name": "流\x00程", "stages-0-name": "初\x00审", "stages-0-reviewer_ids": [reviewer.id],
        "stages-0-rule": "any", "stages-0-allowance_days": "2"})
    assert response.status_code == 302
    template = queries.templates()[0]
    assert template.name == "流程" and [stage.name for stage in template.stages] == ["初审"]


def test_nul_in_a_form_value_read_outside_a_form_never_reaches_a_query(client, secretariat):
    response = client.post("/attendance/registration/checkin", data={"q": "a\x00b", "member_id": "1"})
    assert response.status_code < 500


def test_nul_in_a_query_string_is_refused(client, secretariat):
    assert client.get("/tasks/?q=a%00b").status_code == 400


# ── the diff's parameters ──────────────────────────────────────────────────────────────────────
@pytest.fixture
def two_versions(secretariat):
    from meetingprep.documents import queries, services
    from meetingprep.documents.states import Decision

    user, reviewer = secretariat[0], factories.make_user("staff")
    document = factories.make_document(actor=user, drafters=[user],
                                       template=factories.make_pipeline_template([[reviewer]], actor=user))
    factories.add_text_version(document, user, "第一稿")
    services.decide(reviewer, queries.document_for_action(document.id), Decision.RETURN, comment="请修改")
    db.session.expire_all()
    document = factories.add_text_version(queries.document_for_action(document.id), user, "第二稿")
    db.session.commit()
    return document


@pytest.mark.parametrize("query, message", [
    ("?a=1&b=1", "同一个版本"), ("?a=2&b=2", "同一个版本"), ("?b=1", "同一个版本"),
    ("?a=&b=2", "版本号无效"), ("?a=x", "版本号无效"), (f"?a={INT8_EDGE}", "版本号无效"), ("?b=-1", "版本号无效")])
def test_diff_refuses_the_same_version_twice_and_bad_numbers(client, two_versions, query, message):
    response = client.get(f"/documents/{two_versions.id}/diff{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_diff_of_two_versions_still_works(client, two_versions):
    assert client.get(f"/documents/{two_versions.id}/diff").status_code == 200
    assert client.get(f"/documents/{two_versions.id}/diff?a=1&b=2").status_code == 200
    assert client.get(f"/documents/{two_versions.id}/diff?a=1&b=9").status_code == 404


def test_now_is_inside_the_window():
    assert bounds.within(now().date())


# ── found by the fuzz wall (tests/fuzz) ────────────────────────────────────────────────────────
@pytest.mark.parametrize("body", ["\x00", [1, 2], {"title": {"nested": 1}}, 7, None])
def test_a_json_body_that_is_not_an_object_of_plain_values_is_no_form_data(client, secretariat, body):
    """Flask-WTF takes a JSON body as the form's data; a JSON string made MultiDict raise (a 500)."""
    response = client.post("/documents/new", json=body)
    assert response.status_code == 400


def test_a_json_body_is_bounded_like_a_form(client, secretariat):
    from meetingprep.meetings.models import Meeting

    response = client.post("/meetings/new", json={"name": "远\x00期会议", "opens_at": "2026-05-01T09:00",
                                                  "closes_at": "2026-05-03T12:00", "make_current": False})
    assert response.status_code == 302
    assert db.session.scalar(select(Meeting.name).where(Meeting.name.like("远%"))) == "远期会议"
    refused = client.post("/meetings/new", json={"name": "远期", "opens_at": "9999-05-01T09:00",
                                                 "closes_at": "9999-05-03T12:00"})
    assert refused.status_code == 400 and bounds.DATE_MESSAGE in refused.get_data(as_text=True)


def test_meeting_edit_judges_a_post_on_what_it_sends(client, secretariat):
    """A POST leaving out the opening kept the stored, zone-aware time, and comparing it with the typed
    closing (naive) raised TypeError."""
    meeting = secretariat[1]
    response = client.post(f"/meetings/{meeting.id}/edit", data={"name": "改名", "closes_at": "2026-05-03T12:00",
                                                                  "version_id": meeting.version_id})
    assert response.status_code == 400


@pytest.mark.parametrize("number", ["9" * 400, str(10**309), "-" + "9" * 400])
def test_a_400_digit_number_is_refused_not_an_overflow(client, secretariat, number):
    """NumberRange compares through float(): a huge integer raised OverflowError (a 500)."""
    reviewer = factories.make_user("staff")
    db.session.commit()
    response = client.post("/documents/pipelines/new", data={
        "name": "流程", "stages-0-name": "初审", "stages-0-reviewer_ids": [reviewer.id], "stages-0-rule": "any",
        "stages-0-allowance_days": number})
    assert response.status_code == 400 and "数字超出范围" in response.get_data(as_text=True)
    task = secretariat[3]
    assert client.post(f"/tasks/{task.id}/progress", data={"progress": number,
                                                           "version_id": task.version_id}).status_code < 500


def test_bulk_shift_refuses_to_move_a_deadline_out_of_the_window(client, secretariat):
    """A deadline at the edge (written before the bounds) moved by a year raised OverflowError."""
    _user, meeting, group, task = secretariat
    task.due_at = dt.datetime(9999, 12, 31, 12, 0, tzinfo=dt.UTC)
    near_edge = factories.make_task(meeting, group, due_at=dt.datetime(2100, 12, 20, 9, 0, tzinfo=dt.UTC))
    fine = factories.make_task(meeting, group)
    db.session.commit()
    due = fine.due_at
    response = client.post("/tasks/bulk", data={"task_ids": [task.id, near_edge.id, fine.id], "op": "shift",
                                                "shift_days": "30"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("调整后的时间节点超出范围") == 2
    db.session.expire_all()
    assert db.session.get(type(fine), fine.id).due_at == due + dt.timedelta(days=30)
    assert db.session.get(type(task), near_edge.id).due_at.year == 2100
