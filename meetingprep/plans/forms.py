from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from meetingprep.bounds import to_id
from meetingprep.forms import BaseForm


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class TemplateSaveForm(BaseForm):
    meeting_id = SelectField("从哪次会议保存", coerce=to_id)
    name = StringField("模板名称", validators=[DataRequired(message="请填写模板名称。"),
                                           Length(max=120, message="模板名称请控制在 120 字以内。")])
    description = TextAreaField("说明", validators=[Length(max=2000, message="说明请控制在 2000 字以内。")])


class TemplateApplyForm(BaseForm):
    """Target meeting plus one select per template group, added by ``apply_form``."""

    meeting_id = SelectField("生成到哪次会议", coerce=to_id)


def apply_form(group_names: list[str], groups, defaults: dict[str, int], **kwargs) -> TemplateApplyForm:
    """A form with a ``group_<n>`` select for every template group name, preselecting the same-named group."""
    options = choices([(0, "— 请选择 —")] + [(group.id, group.name) for group in groups])

    class Form(TemplateApplyForm):
        pass

    for index, name in enumerate(group_names):
        setattr(Form, f"group_{index}", SelectField(
            f"模板中的「{name}」", coerce=to_id, choices=options, default=defaults.get(name, 0),
            validators=[NumberRange(min=1, message=f"请为「{name}」选择本次会议的工作组。")]))
    return Form(**kwargs)


class ImportUploadForm(BaseForm):
    meeting_id = SelectField("导入到哪次会议", coerce=to_id)
    file = FileField("任务表（.xlsx）")


class ConfirmForm(BaseForm):
    """Only the CSRF token: confirm an import, discard it, regenerate or revoke a calendar address."""
