from __future__ import annotations

from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from meetingprep.agenda.models import AgendaItemKind, SpeechMode
from meetingprep.bounds import to_id, to_id_or_none
from meetingprep.forms import BaseForm, VersionedForm

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class AgendaItemForm(VersionedForm):
    starts_at = DateTimeLocalField("开始时间", format=DATETIME_FORMAT, validators=[InputRequired("请填写开始时间。")])
    kind = SelectField("类型", choices=AgendaItemKind.choices(), validate_choice=True)
    title = StringField("议题", validators=[InputRequired("请填写议题。"),
                                          Length(max=200, message="议题不能超过 200 字。")])
    room = StringField("会议室", validators=[Length(max=120, message="会议室不能超过 120 字。")],
                       description="分组讨论必填，如“第一讨论组：三楼 301 会议室”。")
    discussion_group_id = SelectField("讨论组（可选）", coerce=to_id_or_none, validate_choice=False,
                                      description="分组讨论时选择该组：组内委员的日程显示这一项和它的会议室。")
    presiding_name = StringField("主持人", validators=[Length(max=80, message="主持人不能超过 80 字。")],
                                 description="按印发的称谓填写；选了账号而此处留空时，取账号的姓名。")
    presiding_user_id = SelectField("主持人账号（可选）", coerce=to_id_or_none, validate_choice=False)


class SpeechAddForm(BaseForm):
    document_id = SelectField("定稿的发言稿", coerce=to_id, validate_choice=False,
                              validators=[InputRequired("请选择发言稿。")])
    mode = SelectField("发言方式", choices=SpeechMode.choices())
    minutes = IntegerField("限时（分钟，口头发言）", validators=[
        Optional(), NumberRange(1, 120, "口头发言限时应在 1 到 120 分钟之间。")])
    speaker = StringField("发言人（可选，默认为提交委员）",
                          validators=[Length(max=120, message="发言人不能超过 120 字。")])


class SpeechSlotForm(VersionedForm):
    mode = SelectField("发言方式", choices=SpeechMode.choices())
    minutes = IntegerField("限时（分钟，口头发言）", validators=[
        Optional(), NumberRange(1, 120, "口头发言限时应在 1 到 120 分钟之间。")])
    speaker = StringField("发言人（可选，默认为提交委员）",
                          validators=[Length(max=120, message="发言人不能超过 120 字。")])


class MoveForm(BaseForm):
    direction = SelectField(choices=[("up", "上移"), ("down", "下移")])
