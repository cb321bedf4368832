"""What a plan (a template or a spreadsheet) says about one task to create; ``services.create_tasks``
turns a list of them into tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from meetingprep.meetings.models import Phase
from meetingprep.tasks.models import TaskPriority


@dataclass
class NewTask:
    """One task to create. ``predecessors`` names other entries of the same batch (by index) that must be
    accepted first (its hand-offs, 衔接); ``predecessor_task_ids`` names existing tasks of the same meeting."""

    title: str
    group_id: int
    owner_id: int
    due_at: dt.datetime
    description: str = ""
    phase: Phase = Phase.BEFORE
    priority: TaskPriority = TaskPriority.NORMAL
    starts_on: dt.date | None = None
    due_offset_days: int | None = None
    due_offset_time: dt.time | None = None
    coworker_ids: Sequence[int] = ()
    predecessors: Sequence[int] = ()
    predecessor_task_ids: Sequence[int] = ()
