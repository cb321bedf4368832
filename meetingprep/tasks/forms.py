from __future__ import annotations

import datetime as dt

from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from meetingprep.bounds import to_id, to_id_or_none
from meetingprep.forms import BaseForm, VersionedForm
from meetingprep.meetings.models import Phase
from meetingprep.tasks.models import TaskPriority
from meetingprep.tasks.services import BulkOp, TaskData
from meetingprep.timeutil import from_local


class TaskForm(VersionedForm):
    title = StringField("任务", validators=[DataRequired(message="请填写任务名称。"),
                                            Length(max=200, message="任务名称不能超过 200 字。")])
    description = TextAreaField("说明", validators=[Optional(), Length(max=5000, message="说明不能超过 5000 字。")],
                                render_kw={"rows": 4})
    group_id = SelectField("责任组", coerce=to_id_or_none, validators=[InputRequired(message="请选择责任组。")])
    owner_id = SelectField("责任人", coerce=to_id_or_none, validators=[InputRequired(message="请选择责任人。")])
    coworker_ids = SelectMultipleField("协办人", coerce=to_id, validators=[Optional()])  # drawn as checkboxes
    phase = SelectField("阶段", choices=Phase.choices(), default=Phase.BEFORE.value)
    priority = SelectField("优先级", choices=TaskPriority.choices(), default=TaskPriority.NORMAL.value)
    starts_on = DateField("开始日期", validators=[Optional()])
    due_mode = RadioField("时间节点方式", default="relative",
                          choices=[("relative", "相对开幕（随开幕时间调整）"), ("absolute", "固定日期")])
    due_at = DateTimeLocalField("固定时间节点", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    offset_direction = SelectField("相对开幕", choices=[("before", "开幕前"), ("after", "开幕后")], default="before")
    offset_days = IntegerField("天数", validators=[
        Optional(), NumberRange(min=0, max=365, message="天数应在 0 到 365 之间。")])
    offset_time = TimeField("时刻", validators=[Optional()], default=dt.time(17, 0))

    def validate(self, extra_validators=None) -> bool:
        """The deadline fields are optional one by one; the chosen mode decides which is required."""
        valid = super().validate(extra_validators)
        if self.due_mode.data == "absolute" and self.due_at.data is None and not self.due_at.errors:
            self.due_at.errors = [*self.due_at.errors, "请填写固定的时间节点（日期和时刻）。"]
            valid = False
        if self.due_mode.data == "relative" and self.offset_days.data is None and not self.offset_days.errors:
            self.offset_days.errors = [*self.offset_days.errors, "请填写距开幕的天数（开幕当天填 0）。"]
            valid = False
        return valid

    def to_data(self) -> TaskData:
        relative = self.due_mode.data == "relative"
        days = None
        if relative:
            days = -self.offset_days.data if self.offset_direction.data == "before" else self.offset_days.data
        return TaskData(
            title=self.title.data, description=self.description.data or "", group_id=self.group_id.data,
            owner_id=self.owner_id.data, phase=Phase(self.phase.data), priority=TaskPriority(self.priority.data),
            starts_on=self.starts_on.data,
            due_at=None if relative else from_local(self.due_at.data),
            due_offset_days=days, due_offset_time=(self.offset_time.data or dt.time(17, 0)) if relative else None,
            coworker_ids=self.coworker_ids.data or [],
        )

    def fill_from(self, task) -> None:
        """Put a task's relative deadline into the two-field form shape."""
        if task.due_offset_days is None:
            self.due_mode.data = "absolute"
        else:
            self.due_mode.data = "relative"
            self.offset_direction.data = "before" if task.due_offset_days < 0 else "after"
            self.offset_days.data = abs(task.due_offset_days)
            self.offset_time.data = task.due_offset_time
        self.coworker_ids.data = sorted(task.coworker_user_ids)


class TransitionForm(BaseForm):
    note = TextAreaField("备注", validators=[Optional(), Length(max=5000, message="不能超过 5000 字。")],
                         render_kw={"rows": 3})
    override_reason = StringField("放行理由（前置任务未完成时）", validators=[Optional(), Length(max=500)])
    evidence = MultipleFileField("完成佐证材料")


class ProgressForm(VersionedForm):
    progress = IntegerField("进度（%）", validators=[InputRequired(message="请填写进度。"),
                                                   NumberRange(min=0, max=100, message="进度应在 0 到 100 之间。")])


class CommentForm(BaseForm):
    body = TextAreaField("留言", validators=[DataRequired(message="请填写留言内容。"),
                                           Length(max=5000, message="留言不能超过 5000 字。")],
                         render_kw={"rows": 3, "placeholder": "可用 @用户名 或 @姓名 提醒相关同志"})
    files = MultipleFileField("附件")


class HandOffForm(BaseForm):
    predecessor_id = SelectField("前置任务（完成后本任务才能提交）", coerce=to_id_or_none,
                                 validators=[InputRequired(message="请选择前置任务。")])


class BulkEditForm(BaseForm):
    task_ids = SelectMultipleField("任务", coerce=to_id, validate_choice=False)
    op = SelectField("批量操作", validate_choice=False, choices=[
        ("", "请选择…"), (BulkOp.REASSIGN, "更换责任人"), (BulkOp.SHIFT, "调整时间节点"),
        (BulkOp.PHASE, "调整阶段"), (BulkOp.CANCEL, "取消任务")])
    owner_id = SelectField("新责任人", coerce=to_id_or_none, validate_choice=False, validators=[Optional()])
    shift_days = IntegerField("顺延天数（提前填负数）", validators=[Optional(), NumberRange(min=-365, max=365)])
    phase = SelectField("新阶段", choices=[("", "—"), *Phase.choices()], validate_choice=False)
    reason = StringField("原因/说明", validators=[Optional(), Length(max=500)])
