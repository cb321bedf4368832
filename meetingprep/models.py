"""Imports every domain's models so the metadata is complete (migrations, create_all, mappers).

Each domain package adds its own line here.
"""

from meetingprep.audit import AuditEntry  # noqa: F401
from meetingprep.auth.models import LoginAttempt, User  # noqa: F401
from meetingprep.groups.models import GroupMembership, WorkingGroup  # noqa: F401
from meetingprep.meetings.models import Meeting, Phase  # noqa: F401
from meetingprep.notifications.models import (  # noqa: F401
    Delivery,
    GroupWebhook,
    JobRun,
    MessageTemplate,
    Notification,
    NotificationPreference,
    ReminderLog,
)
from meetingprep.ops.models import Heartbeat, UserSession  # noqa: F401
from meetingprep.tasks.models import Task, TaskCoworker, TaskDependency, TaskEvent  # noqa: F401

# isort: split
from meetingprep.dashboard.models import ix_tasks_meeting_id_accepted_at  # noqa: F401
