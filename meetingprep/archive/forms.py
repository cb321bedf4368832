from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from meetingprep.forms import BaseForm
from meetingprep.meetings.forms import MeetingForm


class ArchiveForm(BaseForm):
    confirmation = StringField("输入会议名称以确认", validators=[
        DataRequired(message="请输入会议名称以确认归档。"), Length(max=200, message="会议名称不能超过 200 个字。")],
        description="归档后，本次会议的任务、材料、出勤、议程等全部资料只读，只有系统管理员可以重新打开。")


class ReopenForm(BaseForm):
    reason = TextAreaField("重新打开的原因", validators=[
        DataRequired(message="请填写重新打开的原因（将记入审计记录）。"),
        Length(max=500, message="原因不能超过 500 字。")])


class NextMeetingForm(MeetingForm):
    copy_groups = BooleanField("沿用工作组及成员（含组长）", default=True)
    plan = SelectField("筹备任务", choices=[])
    make_current = BooleanField("设为当前会议", default=True)
