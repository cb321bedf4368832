"""forms.render_field draws what WTForms and Bootstrap-Flask would, only faster."""

import re

import pytest
from markupsafe import Markup
from wtforms import (
    DateField,
    FileField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange

from meetingprep.forms import BaseForm, render_control, render_field


class PickForm(BaseForm):
    owner = SelectField("责任人", coerce=int, validators=[DataRequired("请选择责任人。")],
                        choices=[(1, "张三"), (2, "李四 <组长>"), (3, '"王五" & 赵六')])
    helpers = SelectMultipleField("协办人", coerce=int, choices=[(1, "甲"), (2, "乙")], render_kw={"size": 5})
    note = StringField("备注", description="可不填。")
    title = StringField("任务", validators=[DataRequired(), Length(max=200)], render_kw={"placeholder": "写清事项"})
    progress = IntegerField("进度", validators=[NumberRange(min=0, max=100)])
    body = TextAreaField("内容", validators=[Length(min=2, max=2000)], render_kw={"rows": 3})
    day = DateField("日期")
    files = MultipleFileField("附件", render_kw={"accept": ".docx"})
    file = FileField("文件")


def expected_class(field, kwargs) -> str:
    css = kwargs.get("class", "") or (field.render_kw or {}).get("class", "")
    base = "form-select" if field.type == "SelectField" else "form-control"
    return f"{base}{' ' + css if css else ''}"


def _select_tag(html: str) -> str:
    return re.search(r"<select.*</select>", html, re.S).group(0)


@pytest.mark.parametrize("name, kwargs", [
    ("owner", {}), ("owner", {"data-owner-groups": '{"1": [2]}'}), ("helpers", {}), ("helpers", {"class": "x"})])
def test_a_select_is_drawn_exactly_as_the_wtforms_widget_draws_it(app, name, kwargs):
    with app.test_request_context(method="POST", data={"owner": "3", "helpers": ["1", "2"]}):
        form = PickForm()
        field = form[name]
        css = kwargs.get("class", "") or (field.render_kw or {}).get("class", "")
        base = "form-select" if field.type == "SelectField" else "form-control"
        expected = field(**{**kwargs, "class": f"{base}{' ' + css if css else ''}"})
        assert _select_tag(render_field(field, **kwargs)) == str(expected)
        assert render_control(field, **{**kwargs, "class": expected_class(field, kwargs)}) == str(expected)


@pytest.mark.parametrize("name, kwargs", [
    ("title", {}), ("title", {"placeholder": "改写"}), ("progress", {}), ("body", {}), ("body", {"rows": 8}),
    ("day", {}), ("note", {"data-x": 'a"b'}), ("files", {}), ("file", {"value": "x"}),
    ("progress", {"min": 5, "step": 5})])
def test_an_input_or_textarea_is_drawn_exactly_as_the_wtforms_widget_draws_it(app, name, kwargs):
    data = {"title": '<script>"x"</script>', "progress": "50", "body": "第一行\n</textarea>第二行", "day": "2026-12-01"}
    with app.test_request_context(method="POST", data=data):
        field = PickForm()[name]
        expected = field(**{**kwargs, "class": "form-control"})
        drawn = render_field(field, **kwargs)
        assert str(expected) in drawn, (str(expected), drawn)
        assert render_control(field, **{**kwargs, "class": "form-control"}) == str(expected)


def test_errors_and_help_text_are_escaped_and_placed_as_bootstrap_does(app):
    with app.test_request_context(method="POST", data={"owner": "", "note": "<b>x</b>"}):
        form = PickForm()
        form.validate()
        owner = render_field(form.owner)
        assert isinstance(owner, Markup)
        assert owner.startswith('<div class="mb-3 required"><label class="form-label" for="owner">责任人</label>')
        assert 'class="form-select is-invalid"' in owner
        assert owner.endswith('<div class="invalid-feedback d-block">请选择责任人。</div></div>')
        assert "李四 &lt;组长&gt;" in owner and "&#34;王五&#34; &amp; 赵六" in owner
        note = render_field(form.note)
        assert 'value="&lt;b&gt;x&lt;/b&gt;"' in note  # the input is kept, escaped
        assert '<small class="form-text text-body-secondary">可不填。</small>' in note
