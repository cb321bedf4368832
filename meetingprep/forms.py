"""The form base every form derives from: Chinese validation messages, whitespace stripped."""

from __future__ import annotations

from flask_wtf import FlaskForm
from markupsafe import Markup
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


# ── rendering ───────────────────────────────────────────────────────────────────────────────────
_GROUP = Markup('<div class="mb-3{}">{}{}{}</div>')
_CHECK = Markup('<div class="mb-3 form-check">{}{}{}</div>')
_RADIO_ITEM = Markup('<div class="form-check">{}{}</div>')
_ERROR = Markup('<div class="invalid-feedback d-block">{}</div>')
_HELP = Markup('<small class="form-text text-body-secondary">{}</small>')


def _feedback(field) -> Markup:
    if field.errors:
        return Markup("").join(_ERROR.format(error) for error in field.errors)
    return _HELP.format(field.description) if field.description else Markup("")


def render_field(field, form_type: str = "basic", **kwargs) -> Markup:
    """One field in Bootstrap 5's markup: label, control, then its errors (or help text).

    The same markup as Bootstrap-Flask's ``render_field`` in its basic layout, which is the only one the
    pages use, built in Python: that Jinja macro cost about 1 ms per field, a third of the task page's
    drawing time. ``class``/``class_`` replaces the field's own ``render_kw`` class, as there.
    """
    if field.type in ("CSRFTokenField", "HiddenField"):
        return field(**kwargs)
    extra = kwargs.pop("class", "") or kwargs.pop("class_", "") or (field.render_kw or {}).get("class", "")
    extra = f" {extra}" if extra else ""
    invalid = " is-invalid" if field.errors else ""
    if getattr(field.widget, "input_type", None) == "checkbox":
        control = field(**{"class": f"form-check-input{invalid}{extra}"}, **kwargs)
        return _CHECK.format(control, field.label(**{"class": "form-check-label"}), _feedback(field))
    required = " required" if field.flags.required else ""
    if field.type == "RadioField":
        items = Markup("").join(_RADIO_ITEM.format(item(**{"class": "form-check-input"}),
                                                   item.label(**{"class": "form-check-label"})) for item in field)
        return _GROUP.format(required, field.label(**{"class": "form-label"}), items, _feedback(field))
    base = "form-select" if field.type == "SelectField" else "form-control"
    control = field(**{"class": f"{base}{invalid}{extra}"}, **kwargs)
    return _GROUP.format(required, field.label(**{"class": "form-label"}), control, _feedback(field))
