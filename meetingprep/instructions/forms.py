from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from meetingprep.bounds import to_id_or_none
from meetingprep.forms import BaseForm
from meetingprep.instructions.services import MAX_BODY, MAX_NOTE


class InstructionForm(BaseForm):
    body = TextAreaField("批示内容", validators=[DataRequired(message="请填写批示内容。"),
                                                 Length(max=MAX_BODY, message=f"批示内容不能超过 {MAX_BODY} 字。")],
                         render_kw={"rows": 3})


class ReplyForm(BaseForm):
    body = TextAreaField("办理情况", validators=[DataRequired(message="请填写办理情况。"),
                                                 Length(max=MAX_BODY, message=f"办理情况不能超过 {MAX_BODY} 字。")],
                         render_kw={"rows": 3})


class SuperviseForm(BaseForm):
    leader_id = SelectField("督办领导", coerce=to_id_or_none, validators=[Optional()])
    note = StringField("督办要求（可选）",
                       validators=[Optional(), Length(max=MAX_NOTE, message=f"督办要求不能超过 {MAX_NOTE} 字。")])
