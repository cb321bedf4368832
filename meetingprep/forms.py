"""The form base every form derives from: Chinese validation messages, whitespace stripped."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from markupsafe import Markup, escape
from wtforms import DateTimeField, HiddenField, IntegerField, PasswordField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import Choice
from wtforms.widgets.core import FileInput, HiddenInput, Input, NumberInput, TextArea, clean_key

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


class VersionedForm(BaseForm):
    """Carries the record's version so a stale save is refused (see concurrency.expect_version)."""

    version_id = HiddenField()


# ── rendering ───────────────────────────────────────────────────────────────────────────────────
def _attributes(params: dict) -> str:
    """WTForms' ``html_params`` (sorted, ``True`` bare, ``False`` left out), with plain string joins: it
    formats each attribute through ``Markup.format``, which cost 5 µs apiece — 30 options, 150 µs."""
    parts = []
    for key, value in sorted(params.items()):
        if value is True:
            parts.append(clean_key(key))
        elif value is not False:
            parts.append(f'{clean_key(key)}="{escape(value)}"')
    return " ".join(parts)


def _select(field, params: dict) -> str:
    """A select as WTForms' Select widget draws it (tested equal), for the plain case: no option groups
    and no per-option attributes; anything else is left to the widget."""
    choices = _plain_choices(field)
    if choices is None:
        choices = list(field.iter_choices()) if not field.has_groups() else None
        if choices is None or any(choice.render_kw for choice in choices):
            return field(**params)
    params = {**(field.render_kw or {}), "id": field.id, **params, "name": field.name}
    if field.widget.multiple:
        params["multiple"] = True
    for flag in ("required", "disabled"):
        if flag not in params and getattr(field.flags, flag, False):
            params[flag] = getattr(field.flags, flag)
    options = "".join(
        f'<option{" selected" if choice.selected else ""} value="{escape(choice.value)}">'
        f"{escape(choice.label or choice.value)}</option>" for choice in choices)
    return f"<select {_attributes(params)}>{options}</select>"


def _number_params(widget: NumberInput, params: dict) -> None:
    for name in ("step", "min", "max"):
        if getattr(widget, name) is not None:
            params.setdefault(name, getattr(widget, name))


def _file_params(widget: FileInput, params: dict) -> None:
    params["value"] = False  # browsers ignore a file input's value
    if widget.multiple:
        params["multiple"] = True


#: Widgets drawn here: each one's own additions, made before WTForms' Input would draw it.
_INPUT_PREPARES = {Input.__call__: None, TextArea.__call__: None, NumberInput.__call__: _number_params,
                   FileInput.__call__: _file_params}


def _control(field, params: dict) -> str:
    """An input or textarea as WTForms' Input, NumberInput, FileInput and TextArea widgets draw them (tested
    equal); widgets that draw themselves differently (password, checkbox …) and datalists are left to
    WTForms, whose ``html_params`` cost 60 µs a field."""
    widget = field.widget
    kind = type(widget).__call__
    if kind not in _INPUT_PREPARES or getattr(field, "_datalist", None):
        return field(**params)
    params = {**(field.render_kw or {}), **params}
    if prepare := _INPUT_PREPARES[kind]:
        prepare(widget, params)
    params.setdefault("id", field.id)
    flags = vars(field.flags)
    for name in widget.validation_attrs:
        if name not in params and name in flags:
            value = flags[name]
            params[name] = value() if callable(value) else value
    if kind is TextArea.__call__:
        return f"<textarea {_attributes({**params, 'name': field.name})}>\r\n{escape(field._value())}</textarea>"
    params.setdefault("type", widget.input_type)
    params.setdefault("value", field._value())
    return f"<input {_attributes({**params, 'name': field.name})}>"


def _plain_choices(field) -> list[Choice] | None:
    """(value, label) pairs as ``iter_choices`` would give them, without normalising each into a
    dataclass first (a third of a 30-option select's cost); None for any other kind of choices."""
    raw = field.choices
    if not isinstance(raw, list) or not all(type(choice) is tuple and len(choice) == 2 for choice in raw):
        return None
    if field.widget.multiple:
        data = field.data or ()
        return [Choice(value, label, field.coerce(value) in data, None) for value, label in raw]
    return [Choice(value, label, field.coerce(value) == field.data, None) for value, label in raw]


def _label(field, css: str) -> str:
    return f'<label class="{css}" for="{escape(field.id)}">{escape(field.label.text)}</label>'


def _feedback(field) -> str:
    if field.errors:
        return "".join(f'<div class="invalid-feedback d-block">{escape(error)}</div>' for error in field.errors)
    if field.description:
        return f'<small class="form-text text-body-secondary">{escape(field.description)}</small>'
    return ""


def render_control(field, **kwargs) -> Markup:
    """Only the control (no label or feedback), for forms laid out by hand (the ledger's bulk edit);
    the same markup as ``field(**kwargs)``, drawn as ``render_field`` draws it."""
    if field.type in ("SelectField", "SelectMultipleField"):
        return Markup(_select(field, kwargs))
    return Markup(_control(field, kwargs))


def hidden_fields(form) -> Markup:
    """The form's hidden inputs (CSRF token, version_id …) without ids, for ``form.hidden_tag()``: a page
    with several forms repeated id="csrf_token", which HTML forbids, and a hidden input has no label."""
    return Markup("".join(_hidden(field) for field in form if isinstance(field.widget, HiddenInput)))


def _hidden(field) -> str:
    return f'<input type="hidden" name="{escape(field.name)}" value="{escape(field._value())}">'


def render_field(field, form_type: str = "basic", **kwargs) -> Markup:
    """One field in Bootstrap 5's markup: label, control, then its errors (or help text).

    The same markup as Bootstrap-Flask's ``render_field`` in its basic layout, which is the only one the
    pages use, built in Python: that Jinja macro cost about 1 ms per field, a third of the task page's
    drawing time. ``class``/``class_`` replaces the field's own ``render_kw`` class, as there.
    """
    if isinstance(field.widget, HiddenInput):
        return Markup(_hidden(field))
    extra = kwargs.pop("class", "") or kwargs.pop("class_", "") or (field.render_kw or {}).get("class", "")
    extra = f" {extra}" if extra else ""
    invalid = " is-invalid" if field.errors else ""
    if getattr(field.widget, "input_type", None) == "checkbox":
        control = field(**{"class": f"form-check-input{invalid}{extra}"}, **kwargs)
        return Markup(f'<div class="mb-3 form-check">{control}{_label(field, "form-check-label")}'
                      f"{_feedback(field)}</div>")
    required = " required" if field.flags.required else ""
    if field.type == "RadioField":
        control = "".join(f'<div class="form-check">{item(**{"class": "form-check-input"})}'
                          f'{_label(item, "form-check-label")}</div>' for item in field)
    elif field.type in ("SelectField", "SelectMultipleField"):
        base = "form-select" if field.type == "SelectField" else "form-control"
        control = _select(field, {"class": f"{base}{invalid}{extra}", **kwargs})
    else:
        control = _control(field, {"class": f"form-control{invalid}{extra}", **kwargs})
    return Markup(f'<div class="mb-3{required}">{_label(field, "form-label")}{control}{_feedback(field)}</div>')
