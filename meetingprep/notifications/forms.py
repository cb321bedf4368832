from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from meetingprep.errors import ValidationFailed
from meetingprep.forms import BaseForm, VersionedForm
from meetingprep.notifications.robots import Platform
from meetingprep.notifications.services import parse_clock


def _clock_field(label: str) -> StringField:
    def valid_clock(_form, field):
        try:
            parse_clock(field.data, label)
        except ValidationFailed as error:
            raise ValidationError(error.message) from None

    return StringField(label, validators=[DataRequired(message=f"请填写{label}。"), Length(max=5), valid_clock],
                       render_kw={"placeholder": "22:00", "inputmode": "numeric"})


class PreferencesForm(BaseForm):
    email_enabled = BooleanField("接收电子邮件（需在账户中填写邮箱）")
    webhook_enabled = BooleanField("同时推送到我所在工作组的群机器人（工作组已启用时）")
    quiet_enabled = BooleanField("开启免打扰（期间只推送升级提醒，其余顺延到免打扰结束时）")
    quiet_start = _clock_field("免打扰开始时间")
    quiet_end = _clock_field("免打扰结束时间")


class WordingForm(VersionedForm):
    subject = StringField("标题", validators=[DataRequired(message="请填写标题。"),
                                              Length(max=200, message="标题不能超过 200 个字。")])
    body = TextAreaField("正文", validators=[DataRequired(message="请填写正文。"),
                                             Length(max=4000, message="正文不能超过 4000 个字。")],
                         render_kw={"rows": 8})


class WebhookForm(VersionedForm):
    platform = SelectField("平台", choices=[(p.value, p.label) for p in Platform], default=Platform.WECOM.value)
    url = StringField("Webhook 地址", validators=[Length(max=500, message="地址不能超过 500 个字符。")],
                      render_kw={"placeholder": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"})
    secret = StringField("加签密钥（钉钉“加签”安全设置，SEC 开头；留空则不变）",
                         validators=[Length(max=200, message="加签密钥不能超过 200 个字符。")],
                         render_kw={"autocomplete": "off", "spellcheck": "false"})
    clear_secret = BooleanField("清除已保存的加签密钥")
    mention_by_mobile = BooleanField("按手机号 @ 提醒对象（账号或名册中有手机号时）", default=True)
    is_enabled = BooleanField("启用群机器人推送")
