from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from meetingprep.bounds import to_id
from meetingprep.documents.services import TEXT_MAX_CHARS
from meetingprep.documents.states import ApprovalRule, Decision
from meetingprep.forms import BaseForm, VersionedForm
from meetingprep.permissions import Role

NONE_CHOICE = (0, "（不指定）")


def none_if_zero(value: int | None) -> int | None:
    return value or None


class DocumentForm(VersionedForm):
    title = StringField("材料标题", validators=[DataRequired(message="请填写材料标题。"),
                                           Length(max=200, message="标题不能超过 200 字。")])
    type_id = SelectField("材料类型", coerce=to_id)
    group_id = SelectField("责任组", coerce=to_id)
    drafter_ids = SelectMultipleField("起草人", coerce=to_id,
                                      validators=[DataRequired(message="请至少指定一位起草人。")],
                                      render_kw={"size": 6})
    due_on = DateField("完成日期", validators=[Optional()])
    template_id = SelectField("审核流程", coerce=to_id,
                              description="文件创建时复制流程；之后修改流程模板不影响已创建的文件。")


class DocumentEditForm(DocumentForm):
    template_id = None


class VersionForm(BaseForm):
    file = FileField("上传文件", description="支持 .docx、.pdf、.txt、.md；.pdf 不支持文字比对。")
    text = TextAreaField("或直接填写正文", render_kw={"rows": 10},
                         validators=[Length(max=TEXT_MAX_CHARS, message="正文太长，请改为上传文件。")])
    note = StringField("修改说明", validators=[Length(max=500, message="修改说明不能超过 500 字。")])


class SpeechForm(VersionForm):
    title = StringField("发言题目", validators=[DataRequired(message="请填写发言题目。"),
                                           Length(max=200, message="题目不能超过 200 字。")])


class DecisionForm(BaseForm):
    # No default: one careless click must not approve a document.
    decision = RadioField("审核结论", choices=Decision.choices(),
                          validators=[InputRequired(message="请选择通过或退回修改。")])
    comment = TextAreaField("意见", validators=[Length(max=5000, message="意见不能超过 5000 字。")],
                            render_kw={"rows": 4})
    quote = TextAreaField("引用原文（可选）", validators=[Length(max=2000, message="引用不能超过 2000 字。")],
                          render_kw={"rows": 2})
    version_number = HiddenField()
    #: 定稿 while discussion opinions are unanswered is allowed, once the reviewer has seen the warning.
    confirm_unanswered = BooleanField("我已知晓尚有意见未答复，仍然通过（定稿）")


class CommentForm(BaseForm):
    """Shown beside the decision form on the same page, hence its own field prefix (unique ids)."""

    body = TextAreaField("发表意见", validators=[DataRequired(message="请填写意见内容。"),
                                           Length(max=5000, message="意见不能超过 5000 字。")],
                         render_kw={"rows": 3})
    quote = TextAreaField("引用原文（可选）", validators=[Length(max=2000, message="引用不能超过 2000 字。")],
                          render_kw={"rows": 2})
    is_internal = BooleanField("仅内部可见（起草人看不到）")


class ReopenForm(BaseForm):
    reason = TextAreaField("重新打开的理由", validators=[DataRequired(message="重新打开定稿需要填写理由。"),
                                                  Length(max=500, message="理由不能超过 500 字。")])


class AssignForm(BaseForm):
    template_id = SelectField("审核流程", coerce=to_id)
    group_id = SelectField("责任组", coerce=to_id)
    due_on = DateField("完成日期", validators=[Optional()])


class StageForm(BaseForm):
    """One entry of TemplateForm.stages: a BaseForm, so its stage name is cleaned like any text (a FieldList
    passes no filters to its entries)."""

    class Meta:
        csrf = False

    name = StringField("阶段名称", validators=[Length(max=60, message="阶段名称不能超过 60 字。")])
    reviewer_ids = SelectMultipleField("审核人", coerce=to_id, render_kw={"size": 4})
    reviewer_role = SelectField("或按角色", default="", choices=[
        ("", "（不按角色）"), *((value, label) for value, label in Role.choices() if value != Role.MEMBER)])
    rule = SelectField("通过规则", choices=ApprovalRule.choices(), default=ApprovalRule.ANY.value)
    required_count = IntegerField("需通过人数（M）", validators=[Optional(), NumberRange(min=1, max=50)])
    is_sequential = BooleanField("按顺序依次审核")
    allowance_days = IntegerField("时限（天）", default=2,
                                  validators=[Optional(), NumberRange(min=0, max=365, message="时限应在 0–365 天。")])


class TemplateForm(VersionedForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            """BaseForm adds a strip filter to every field; FieldList and FormField refuse filters."""
            if unbound_field.field_class in (FieldList, FormField):
                return unbound_field.bind(form=form, **options)
            return super().bind_field(form, unbound_field, options)

    name = StringField("流程名称", validators=[DataRequired(message="请填写流程名称。"),
                                           Length(max=80, message="流程名称不能超过 80 字。")])
    description = TextAreaField("说明", validators=[Length(max=2000)], render_kw={"rows": 2})
    stages = FieldList(FormField(StageForm), min_entries=1, max_entries=20)


class DocumentTypeForm(VersionedForm):
    name = StringField("类型名称", validators=[DataRequired(message="请填写类型名称。"),
                                           Length(max=60, message="类型名称不能超过 60 字。")])
    sort_order = IntegerField("排序", default=0, validators=[Optional(), NumberRange(min=0, max=10000)])
