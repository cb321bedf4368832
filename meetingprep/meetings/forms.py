from wtforms import BooleanField, DateTimeLocalField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from meetingprep.forms import VersionedForm
from meetingprep.meetings.services import CLOSES_BEFORE_OPENS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MeetingForm(VersionedForm):
    name = StringField("会议名称", validators=[DataRequired(message="请输入会议名称。"),
                                             Length(max=200, message="会议名称不能超过 200 个字。")])
    short_name = StringField("简称", validators=[Optional(), Length(max=60, message="简称不能超过 60 个字。")],
                             description="用于导航和列表，例如“市政协十届四次会议”。")
    opens_at = DateTimeLocalField("开幕时间", format=DATETIME_FORMATS,
                                  validators=[DataRequired(message="请填写开幕时间，格式如 2026-01-10 09:00。")])
    closes_at = DateTimeLocalField("闭幕时间", format=DATETIME_FORMATS,
                                   validators=[DataRequired(message="请填写闭幕时间，格式如 2026-01-14 12:00。")])
    venue = StringField("会场", validators=[Optional(), Length(max=200, message="会场不能超过 200 个字。")])
    description = TextAreaField("说明", validators=[Optional(), Length(max=5000, message="说明不能超过 5000 个字。")])
    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(CLOSES_BEFORE_OPENS)


class MeetingEditForm(MeetingForm):
    # Moving the opening: the first save shows which sittings would move (old → new); ``shift_seen`` holds the
    # move that preview showed, so the second save applies exactly what the person saw.
    move_sittings = BooleanField("会次随开幕时间一起平移（已结束签到的会次不动）", default=True)
    shift_seen = HiddenField()


class MeetingCreateForm(MeetingForm):
    make_current = BooleanField("设为当前会议")

