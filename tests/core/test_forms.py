"""The field() macro (templates/_macros/forms.html) lays out WTForms' own widgets in Bootstrap 5's markup."""

from flask import render_template_string
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from meetingprep.forms import VersionedForm


class PickForm(VersionedForm):
    owner = SelectField("责任人", coerce=int, validators=[DataRequired("请选择责任人。")],
                        choices=[(1, "张三"), (2, "李四 <组长>"), (3, '"王五" & 赵六')])
    note = StringField("备注", description="可不填。")
    body = TextAreaField("内容", validators=[Length(min=2, max=2000)], render_kw={"rows": 3})
    urgent = BooleanField("加急")
    mode = RadioField("方式", choices=[("a", "相对开幕"), ("b", "具体时间")], default="a")


def draw(source: str, **context) -> str:
    return render_template_string('{% from "_macros/forms.html" import field %}' + source, **context)


def test_errors_are_placed_beside_the_control_and_every_text_is_escaped(app):
    with app.test_request_context(method="POST", data={"owner": "", "note": "<b>x</b>", "body": "x"}):
        form = PickForm()
        form.validate()
        owner = draw("{{ field(form.owner) }}", form=form)
        assert owner.startswith('<div class="mb-3 required"><label class="form-label" for="owner">责任人</label>')
        assert 'class="form-select is-invalid"' in owner
        assert owner.endswith('<div class="invalid-feedback d-block">请选择责任人。</div></div>')
        assert "李四 &lt;组长&gt;" in owner and "&#34;王五&#34; &amp; 赵六" in owner
        note = draw("{{ field(form.note) }}", form=form)
        assert 'value="&lt;b&gt;x&lt;/b&gt;"' in note  # the input is kept, escaped
        assert '<small class="form-text text-body-secondary">可不填。</small>' in note
        body = draw("{{ field(form.body) }}", form=form)
        assert "<textarea" in body and 'rows="3"' in body and "is-invalid" in body and ">\r\nx</textarea>" in body


def test_the_control_is_the_widgets_own_with_the_callers_attributes(app):
    with app.test_request_context(method="POST", data={"owner": "3"}):
        form = PickForm()
        drawn = draw("{{ field(form.owner, **{'data-owner-groups': '[1]'}) }}", form=form)
        assert str(form.owner(class_="form-select", **{"data-owner-groups": "[1]"})) in drawn
        assert '<option selected value="3">' in drawn
        assert 'class="form-control extra" id="note" name="note" placeholder="写"' in draw(
            "{{ field(form.note, class_='extra', placeholder='写') }}", form=form)


def test_checkboxes_and_radios_are_laid_out_as_bootstrap_checks(app):
    with app.test_request_context():
        form = PickForm()
        urgent = draw("{{ field(form.urgent) }}", form=form)
        assert urgent.startswith('<div class="mb-3 form-check"><input class="form-check-input" id="urgent"')
        assert '<label class="form-check-label" for="urgent">加急</label></div>' in urgent
        mode = draw("{{ field(form.mode) }}", form=form)
        assert mode.count('<div class="form-check"><input checked class="form-check-input"') == 1
        assert '<label class="form-check-label" for="mode-1">具体时间</label>' in mode


def test_hidden_fields_have_no_ids_so_several_forms_on_a_page_do_not_repeat_one(app):
    with app.test_request_context():
        form = PickForm(data={"version_id": "4"})
        hidden = render_template_string("{{ hidden_fields(form) }}", form=form)
        hidden_names = [f.name for f in form if getattr(f.widget, "input_type", None) == "hidden"]
        assert hidden.count("<input") == len(hidden_names) and " id=" not in hidden
        assert 'name="version_id" type="hidden" value="4"' in hidden
        assert draw("{{ field(form.version_id) }}", form=form).startswith("<input id=\"version_id\"")

