from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from meetingprep.attendance.models import Expectation, FollowUpOutcome, RollStatus, SittingKind
from meetingprep.bounds import MAX_ID, to_id
from meetingprep.forms import BaseForm, VersionedForm

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MemberForm(VersionedForm):
    member_no = StringField("委员编号", validators=[
        DataRequired("请填写委员编号。"), Length(max=20),
        Regexp(r"^[0-9A-Za-z-]+$", message="委员编号只能包含数字、字母和连字符。")])
    name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=40)])
    sector = StringField("界别", validators=[Length(max=40)])
    committee = StringField("专委会", validators=[Length(max=60)])
    group = StringField("分组讨论组", validators=[Length(max=60)], description="填写组名；新组名会自动创建。")
    is_standing = BooleanField("常委")
    unit = StringField("工作单位", validators=[Length(max=120)])
    position = StringField("职务", validators=[Length(max=120)])
    phone = StringField("手机", validators=[Length(max=32)])
    seat_area = StringField("座区", validators=[Length(max=40, message="座区不能超过 40 字。")],
                            description="按座区入座的会次（大会）显示在委员的日程上，如“一楼 A 区 3 排”。")
    username = StringField("登录账号（可选）", validators=[Length(max=64)],
                           description="关联一个“委员”角色的账号后，委员可查看本人出勤并在线请假。")


class RosterImportForm(BaseForm):
    file = FileField("委员名册（.xlsx）")


class SittingForm(VersionedForm):
    kind = SelectField("类别", choices=SittingKind.choices())
    name = StringField("名称", validators=[DataRequired("请填写名称。"), Length(max=120)])
    starts_at = DateTimeLocalField("开始时间", format=DATETIME_FORMAT,
                                   validators=[InputRequired("请填写开始时间。")])
    ends_at = DateTimeLocalField("结束时间", format=DATETIME_FORMAT, validators=[InputRequired("请填写结束时间。")])
    venue = StringField("地点", validators=[Length(max=120)])
    expectation = SelectField("应到范围", choices=Expectation.choices())
    group_ids = SelectMultipleField("讨论组（应到范围为“指定讨论组”时）", coerce=to_id, validate_choice=False)
    member_numbers = TextAreaField("委员编号（应到范围为“指定名单”时，逗号或换行分隔）",
                                   validators=[Length(max=60000)])
    late_grace_minutes = IntegerField("迟到宽限（分钟）", validators=[
        InputRequired("请填写迟到宽限。"), NumberRange(0, 240, "宽限应在 0 到 240 分钟之间。")])
    seated = BooleanField("按座区入座（委员的日程显示本人座区）")
    bring_note = TextAreaField("携带物品及须知（显示在应到委员的日程上）",
                               validators=[Length(max=500, message="携带物品及须知不能超过 500 字。")],
                               description="如：请携带委员证、会议材料袋；着正装；8:40 前入场。")


class DeskCheckInForm(BaseForm):
    member_id = IntegerField(validators=[InputRequired("请选择委员。"), NumberRange(1, MAX_ID, "请选择委员。")])
    admit = HiddenField()


class BulkCheckInForm(BaseForm):
    member_ids = SelectMultipleField("委员", coerce=to_id, validate_choice=False)
    at = DateTimeLocalField("签到时间（按纸质签到表填写）", format=DATETIME_FORMAT,
                            validators=[InputRequired("请填写签到时间。")])


class CorrectionForm(BaseForm):
    status = SelectField("更正为", choices=RollStatus.choices())
    at = DateTimeLocalField("签到时间（可选）", format=DATETIME_FORMAT, validators=[Optional()])
    reason = TextAreaField("更正原因", validators=[DataRequired("请填写更正原因。"),
                                                 Length(max=400, message="更正原因不能超过 400 字。")])


class LeaveRequestForm(BaseForm):
    member_no = StringField("委员编号", validators=[DataRequired("请填写委员编号。"), Length(max=20)])
    sitting_ids = SelectMultipleField("请假会次", coerce=to_id, validate_choice=False,
                                      validators=[DataRequired("请选择要请假的会次。")])
    reason = TextAreaField("请假事由", validators=[DataRequired("请填写请假事由。"),
                                                 Length(max=2000, message="请假事由不能超过 2000 字。")])


class LeaveDecisionForm(VersionedForm):
    # No default: the approver chooses (a pre-selected 批准 approved with one click).
    decision = RadioField("审批", choices=[("approve", "批准"), ("reject", "不批准")],
                          validators=[InputRequired("请选择批准或不批准。")])
    note = TextAreaField("审批意见", validators=[Length(max=500, message="审批意见不能超过 500 字。")])


class DutyForm(BaseForm):
    user_id = SelectField("工作人员", coerce=to_id, validate_choice=False)
    sitting_id = SelectField("负责范围", coerce=to_id, validate_choice=False)


class MissingRemindForm(BaseForm):
    """The 提醒 button of a 未报到 / 未签到 list: the list's filter as hidden fields (queries.MissingFilter)."""

    sector = HiddenField()
    group = HiddenField()
    standing = HiddenField()


class FollowUpResolveForm(VersionedForm):
    # No default: the secretariat chooses how it ended.
    outcome = RadioField("处理结果", choices=FollowUpOutcome.choices(),
                         validators=[InputRequired("请选择处理结果：已联系、补假或无故缺席。")])
    note = TextAreaField("处理说明", validators=[DataRequired("请填写处理说明（如联系情况、缺席原因）。"),
                                              Length(max=500, message="处理说明不能超过 500 字。")])


class LeaveApproversForm(BaseForm):
    user_ids = SelectMultipleField("可审批请假的领导", coerce=to_id, validate_choice=False,
                                   description="除大会秘书处外，这些领导也可以审批本次会议的请假申请；"
                                               "不选则只由秘书处审批。")
