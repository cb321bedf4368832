from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from meetingprep.bounds import to_id, to_id_or_none
from meetingprep.forms import BaseForm, VersionedForm
from meetingprep.materials.models import Audience, DownloadPolicy

NONE_CHOICE = (0, "（不指定）")
SOURCES = [("document", "已定稿的材料（材料审核流程中的定稿）"), ("upload", "上传 PDF 文件")]


class ScopeForm(VersionedForm):
    """发放范围 and handling, shared by publishing, editing and 会议简报. Choices are filled by the view."""

    sitting_id = SelectField("会次", coerce=to_id_or_none, validate_choice=False,
                             description="材料所属的会次；发放范围选“会次应到人员”时必选。")
    audience = SelectField("发放范围", choices=Audience.choices(), default=Audience.ALL.value)
    group_ids = SelectMultipleField("讨论组（发放范围为“指定讨论组”时）", coerce=to_id, render_kw={"size": 4})
    is_internal = BooleanField("内部材料（阅读页标明“内部材料 注意保密”）")
    download = SelectField("下载", choices=DownloadPolicy.choices(), default=DownloadPolicy.AUTO.value)


class PublishForm(ScopeForm):
    source = RadioField("材料来源", choices=SOURCES, default="document")
    document_id = SelectField("定稿材料", coerce=to_id_or_none, validate_choice=False)
    file = FileField("PDF 文件", description="仅限 .pdf；手机上逐页显示，并加上阅读人的水印。")
    title = StringField("标题", validators=[Length(max=200, message="标题不能超过 200 字。")],
                        description="选择定稿材料时可留空，默认用材料的标题。")
    note = StringField("发布说明（可选）", validators=[Length(max=200, message="说明不能超过 200 字。")])


class MaterialEditForm(ScopeForm):
    title = StringField("标题", validators=[DataRequired(message="请填写材料标题。"),
                                          Length(max=200, message="标题不能超过 200 字。")])


class ReplaceForm(BaseForm):
    file = FileField("新版本 PDF 文件", description="发布后替换当前版本并标注“已更新”，旧版本保留在记录中。")
    note = StringField("更新说明（可选）", validators=[Length(max=200, message="说明不能超过 200 字。")])


class WithdrawForm(BaseForm):
    reason = TextAreaField("撤回理由", validators=[DataRequired(message="撤回材料请填写理由。"),
                                               Length(max=500, message="理由不能超过 500 字。")],
                           render_kw={"rows": 2})


class RemindForm(VersionedForm):
    """Carries the material's version: a second click on a page drawn before the first reminder is told so."""


class BriefingForm(ScopeForm):
    headline = StringField("本期标题（可选）", validators=[Length(max=180, message="标题不能超过 180 字。")],
                           description="如“委员热议常委会工作报告”；简报名称“会议简报 第 N 期”自动编号。")
    drafter_ids = SelectMultipleField("起草人", coerce=to_id,
                                      validators=[DataRequired(message="请至少指定一位起草人。")],
                                      render_kw={"size": 6})
    template_id = SelectField("审核流程", coerce=to_id_or_none, validate_choice=False)
    group_id = SelectField("责任组", coerce=to_id)
    due_on = DateField("完成日期", validators=[Optional()])
