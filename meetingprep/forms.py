"""The form base every form derives from: Chinese validation messages, whitespace stripped."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from markupsafe import Markup
from wtforms import DateTimeField, HiddenField, IntegerField, PasswordField, StringField, TextAreaField, TimeField
from wtforms.widgets.core import HiddenInput

from meetingprep.bounds import DateWithin, IntegerWithin, clean_text, json_formdata


class BaseForm(FlaskForm):
    """Every form derives from this (tests/core/test_bounds.py checks), so every form is bounded the same
    way: typed text cleaned of control characters (PostgreSQL refuses NUL: a 500 instead of a message),
    every date within bounds.MIN_DATE … MAX_DATE. A FieldList's entries are forms of their own: derive
    them from BaseForm too (``class Meta: csrf = False``)."""

    class Meta:
        locales = ["zh"]

        def bind_field(self, form, unbound_field, options):
            """Clean typed text (StringField and its kin, TextAreaField); passwords stay as typed, and
            enclosures (FieldList, FormField) refuse filters, so they are left alone. Dates and datetimes
            (DateField, DateTimeLocalField …; not TimeField) get the DateWithin validator, integers IntegerWithin
            first."""
            field_class = unbound_field.field_class
            kwargs = {}
            if issubclass(field_class, StringField | TextAreaField) and not issubclass(field_class, PasswordField):
                kwargs["filters"] = [*unbound_field.kwargs.get("filters", []), clean_text]
            if issubclass(field_class, DateTimeField) and not issubclass(field_class, TimeField):
                kwargs["validators"] = [*(unbound_field.kwargs.get("validators") or ()), DateWithin()]
            if issubclass(field_class, IntegerField):
                kwargs["validators"] = [IntegerWithin(), *(unbound_field.kwargs.get("validators") or ())]
            return unbound_field.bind(form=form, **kwargs, **options)

        def wrap_formdata(self, form, formdata):
            """Flask-WTF reads a JSON body as the form's data, as given: a JSON string or list broke the form
            (a 500) and its texts kept their NUL. Here a JSON body must be an object of plain values."""
            if formdata is _Auto and _is_submitted() and not request.files and not request.form \
                    and request.is_json:
                return json_formdata(request.get_json(silent=True))
            return FlaskForm.Meta.wrap_formdata(self, form, formdata)

        def render_field(self, field, render_kw):
            """No ``maxlength`` in the page: WTForms draws one from a Length validator, and a browser then cuts a
            long paste at the limit without a word. The Length validator still refuses over-long text on the
            server, with its Chinese message and the text kept in the form. A field that really wants the
            attribute says so in its own ``render_kw`` or in the call."""
            if "maxlength" not in render_kw and "maxlength" not in (field.render_kw or {}):
                render_kw = {**render_kw, "maxlength": False}
            return FlaskForm.Meta.render_field(self, field, render_kw)


class VersionedForm(BaseForm):
    """Carries the record's version so a stale save is refused (see concurrency.expect_version)."""

    version_id = HiddenField()


def hidden_fields(form) -> Markup:
    """The form's hidden inputs (CSRF token, version_id …), drawn by their widgets without ids: unlike
    ``form.hidden_tag()``, a page with several forms must not repeat id="csrf_token", and a hidden input
    has no label to point at it."""
    return Markup("").join(field(id=False) for field in form if isinstance(field.widget, HiddenInput))
