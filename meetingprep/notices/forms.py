from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from meetingprep.bounds import to_id
from meetingprep.forms import BaseForm, VersionedForm
from meetingprep.notices.models import NoticeCategory
from meetingprep.notices.services import BODY_MAX, REMIND_MAX_HOURS, TITLE_MAX

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class NoticeForm(BaseForm):
    category = SelectField("类别", choices=NoticeCategory.choices())
    title = StringField("标题", validators=[InputRequired("请填写标题。"),
                                          Length(max=TITLE_MAX, message=f"标题不能超过 {TITLE_MAX} 字。")])
    body = TextAreaField("正文", validators=[InputRequired("请填写正文。"),
                                           Length(max=BODY_MAX, message=f"正文不能超过 {BODY_MAX} 字。")],
                         render_kw={"rows": 8})
    # 发送范围: any combination; a person named by several scopes gets the notice once.
    all_members = BooleanField("全体委员")
    standing = BooleanField("常委")
    all_staff = BooleanField("全体工作人员（秘书处、各工作组）")
    sectors = SelectMultipleField("界别（可多选）", render_kw={"size": 6})
    discussion_group_ids = SelectMultipleField("讨论组（可多选）", coerce=to_id, render_kw={"size": 6})
    sitting_ids = SelectMultipleField("会次的应到委员（可多选，不含已准假的）", coerce=to_id, render_kw={"size": 6})
    working_group_ids = SelectMultipleField("工作组（可多选）", coerce=to_id, render_kw={"size": 6})
    # 发送渠道: the service's own page (站内) always.
    send_sms = BooleanField("同时发送短信（有手机号的人员）")
    send_email = BooleanField("同时发送邮件（有邮箱的人员）")
    when = RadioField("发送时间", choices=[("now", "立即发送"), ("later", "定时发送")], default="now")
    send_at = DateTimeLocalField("定时发送时间", format=DATETIME_FORMAT, validators=[Optional()],
                                 description="选择“定时发送”时填写。")
    remind_after_hours = IntegerField(
        "未读提醒（小时）", validators=[Optional(), NumberRange(0, REMIND_MAX_HOURS,
                                                          f"未读提醒应在 0 到 {REMIND_MAX_HOURS} 小时之间。")],
        description="发出后过这么多小时仍未阅读的人员，再提醒一次；留空或 0 为不提醒。")


class NoticeCancelForm(VersionedForm):
    """Only the version: a notice that went out (or changed) meanwhile is not cancelled."""

