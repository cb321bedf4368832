from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from meetingprep.forms import BaseForm


class LoginForm(BaseForm):
    username = StringField("用户名", validators=[DataRequired(message="请输入用户名。"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码。"), Length(max=128)])
    remember = BooleanField("在本机保持登录")
    submit = SubmitField("登录")


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("当前密码", validators=[DataRequired(message="请输入当前密码。")])
    new_password = PasswordField("新密码", validators=[DataRequired(message="请输入新密码。"),
                                                      Length(min=8, max=128, message="新密码需要 8 到 128 位。")])
    confirm = PasswordField("再次输入新密码", validators=[
        DataRequired(message="请再次输入新密码。"), EqualTo("new_password", message="两次输入的新密码不一致。")])
    submit = SubmitField("修改密码")
