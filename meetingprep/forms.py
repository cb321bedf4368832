"""The form base every form derives from: Chinese validation messages, whitespace stripped."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

#: C0 control characters and DEL, except tab and line breaks: none belongs in text, and PostgreSQL
#: refuses NUL outright (a 500 instead of a message).
_CONTROL_CHARACTERS = dict.fromkeys([*(code for code in range(32) if code not in (9, 10, 13)), 127])


def _strip(value):
    return value.translate(_CONTROL_CHARACTERS).strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        locales = ["zh"]

        def bind_field(self, form, unbound_field, options):
            """Clean typed text (StringField and its kin, TextAreaField); passwords stay as typed, and
            enclosures (FieldList, FormField) refuse filters, so they are left alone."""
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField | TextAreaField) and not issubclass(field_class, PasswordField):
                filters = [*unbound_field.kwargs.get("filters", []), _strip]
                return unbound_field.bind(form=form, filters=filters, **options)
            return unbound_field.bind(form=form, **options)


class VersionedForm(BaseForm):
    """Carries the record's version so a stale save is refused (see concurrency.expect_version)."""

    version_id = HiddenField()
