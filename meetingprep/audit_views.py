"""The secretariat's search over the audit trail. Read-only: nothing here changes an entry."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from meetingprep import timeutil
from meetingprep.audit import AuditEntry, audited_types
from meetingprep.auth.models import User
from meetingprep.forms import BaseForm
from meetingprep.permissions import require
from meetingprep.web import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit")


class AuditSearchForm(BaseForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    actor = StringField("操作人", validators=[Optional(), Length(max=64, message="操作人不能超过 64 个字。")],
                        description="用户名或姓名")
    object_type = SelectField("对象类型", validators=[Optional()])
    date_from = DateField("起始日期", validators=[Optional()])
    date_to = DateField("截止日期", validators=[Optional()])
    q = StringField("关键词", validators=[Optional(), Length(max=100, message="关键词不能超过 100 个字。")])


def _search(form: AuditSearchForm):
    stmt = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if form.actor.data:
        pattern = f"%{form.actor.data}%"
        stmt = stmt.where(AuditEntry.actor_id.in_(
            select(User.id).where(or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))))
    if form.object_type.data:
        stmt = stmt.where(AuditEntry.object_type == form.object_type.data)
    if form.date_from.data:
        stmt = stmt.where(AuditEntry.at >= timeutil.local_midnight(form.date_from.data))
    if form.date_to.data:
        stmt = stmt.where(AuditEntry.at < timeutil.local_midnight(form.date_to.data + dt.timedelta(days=1)))
    if form.q.data:
        pattern = f"%{form.q.data}%"
        stmt = stmt.where(or_(AuditEntry.message.ilike(pattern), AuditEntry.object_label.ilike(pattern)))
    return stmt


@bp.route("/")
@login_required
def search():
    require(current_user, "audit.search")
    form = AuditSearchForm(formdata=request.args)
    form.object_type.choices = [("", "全部类型"), *audited_types()]
    if not form.validate():
        for name in form.errors:  # an invalid filter is shown with its message and ignored
            form[name].data = None
    return render_template("audit/search.html", form=form, pagination=paginate(_search(form)))
