from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from meetingprep.forms import BaseForm, VersionedForm


class GroupForm(VersionedForm):
    name = StringField("组名", validators=[DataRequired(message="请输入组名。"),
                                         Length(max=60, message="组名不能超过 60 个字。")])
    duties = TextAreaField("职责", validators=[Optional(), Length(max=5000, message="职责不能超过 5000 个字。")])
    sort_order = IntegerField("排序", default=0, validators=[
        Optional(), NumberRange(min=0, max=9999, message="排序请填 0 到 9999 之间的整数。")],
        description="数字小的排在前面。")


class AddMemberForm(BaseForm):
    username = StringField("用户名", validators=[DataRequired(message="请输入要加入的用户名。"),
                                              Length(max=64, message="用户名不能超过 64 位。")])
    is_lead = BooleanField("设为组长")
