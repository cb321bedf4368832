from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from meetingprep.auth.services import USERNAME_RULE
from meetingprep.forms import BaseForm, VersionedForm
from meetingprep.permissions import Role


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


class NewPasswordForm(BaseForm):
    """Setting a password for someone else (reset) or for a new account."""

    password = PasswordField("新密码", validators=[
        DataRequired(message="请输入密码。"), Length(min=8, max=128, message="密码需要 8 到 128 位。")])
    confirm = PasswordField("再次输入密码", validators=[
        DataRequired(message="请再次输入密码。"), EqualTo("password", message="两次输入的密码不一致。")])


class UserEditForm(VersionedForm):
    display_name = StringField("姓名", validators=[DataRequired(message="请输入姓名。"),
                                                 Length(max=64, message="姓名不能超过 64 个字。")])
    role = SelectField("角色", choices=Role.choices(), validators=[DataRequired(message="请选择角色。")])
    phone = StringField("手机", validators=[
        Optional(), Length(max=32, message="手机号码不能超过 32 位。"),
        Regexp(r"^[0-9+\- ]+$", message="手机号码只能包含数字、空格、加号和连字符。")])
    email = StringField("电子邮箱", validators=[
        Optional(), Length(max=254, message="电子邮箱太长。"), Email(message="电子邮箱格式不正确。")])

    def limit_roles(self, allowed: list[Role]) -> None:
        """Offer only the roles the acting user may grant (only an admin makes admins)."""
        self.role.choices = [(role.value, role.label) for role in allowed]


class UserCreateForm(UserEditForm):
    username = StringField("用户名", validators=[
        DataRequired(message="请输入用户名。"), Regexp(r"^[A-Za-z0-9_.-]{2,64}$", message=USERNAME_RULE)])
    password = NewPasswordForm.password
    confirm = NewPasswordForm.confirm

    field_order = ("username", "display_name", "role", "phone", "email", "password", "confirm")

    def __iter__(self):
        return iter([self[name] for name in ("csrf_token", "version_id", *self.field_order) if name in self])
