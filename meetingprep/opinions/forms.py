from __future__ import annotations

from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from meetingprep.bounds import to_id, to_id_or_none
from meetingprep.forms import BaseForm, VersionedForm
from meetingprep.opinions.models import OpinionResponse
from meetingprep.opinions.services import BODY_MAX_CHARS, NOTE_MAX_CHARS

WHOLE_DOCUMENT = (0, "全文（总体意见）")


class OpinionForm(BaseForm):
    """The choices are filled by the view; a value not among them reaches the service, which says why."""

    discussion_group_id = SelectField("讨论组", coerce=to_id_or_none, validate_choice=False)
    member_id = SelectField("提出意见的委员", coerce=to_id_or_none, validate_choice=False)
    paragraph_number = SelectField("针对段落", coerce=to_id, validate_choice=False,
                                   description="段落按当前版本编号；针对整篇报告的意见请选“全文”。")
    body = TextAreaField("意见", render_kw={"rows": 4},
                         validators=[InputRequired(message="请填写意见内容。"),
                                     Length(max=BODY_MAX_CHARS, message=f"意见内容不能超过 {BODY_MAX_CHARS} 字。")])


class OpinionCorrectForm(VersionedForm):
    body = TextAreaField("意见", render_kw={"rows": 4},
                         validators=[InputRequired(message="请填写意见内容。"),
                                     Length(max=BODY_MAX_CHARS, message=f"意见内容不能超过 {BODY_MAX_CHARS} 字。")])


class AnswerForm(VersionedForm):
    response = RadioField("答复", choices=OpinionResponse.choices(), validate_choice=False)
    version_number = SelectField("吸收该意见的版本", coerce=to_id_or_none, validate_choice=False,
                                 description="“采纳”须选择吸收该意见的新版本；尚未修改的，请先上传新版本。")
    note = TextAreaField("答复说明（未采纳的理由、部分采纳或已说明的情况）", render_kw={"rows": 3},
                         validators=[Length(max=NOTE_MAX_CHARS, message=f"答复说明不能超过 {NOTE_MAX_CHARS} 字。")])


class RecorderForm(BaseForm):
    discussion_group_id = SelectField("讨论组", coerce=to_id_or_none, validate_choice=False)
    user_id = SelectField("记录员", coerce=to_id_or_none, validate_choice=False)
