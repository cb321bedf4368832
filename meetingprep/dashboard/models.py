"""The dashboard has no tables of its own; this declares the index its burn-down needs on tasks.

Accepted-per-day groups the meeting's tasks by ``accepted_at``; the other aggregates use the
(meeting_id, status, due_at) and (meeting_id, group_id, status) indexes of the tasks domain.
"""

from sqlalchemy import Index

from meetingprep.tasks.models import Task

ix_tasks_meeting_id_accepted_at = Index("ix_tasks_meeting_id_accepted_at", Task.meeting_id, Task.accepted_at)
