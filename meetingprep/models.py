"""Imports every domain's models so the metadata is complete (migrations, create_all, mappers).

Each domain package adds its own line here.
"""

import meetingprep.agenda.models
import meetingprep.archive.models
import meetingprep.attendance.models
import meetingprep.audit
import meetingprep.auth.models
import meetingprep.dashboard.models  # the burn-down's index on tasks
import meetingprep.data_version
import meetingprep.documents.models
import meetingprep.groups.models
import meetingprep.instructions.models
import meetingprep.materials.models
import meetingprep.meetings.closure  # the read-only guard of archived meetings (a flush hook)
import meetingprep.meetings.models
import meetingprep.notices.models
import meetingprep.notifications.models
import meetingprep.opinions.models
import meetingprep.ops.models
import meetingprep.plans.models
import meetingprep.tasks.models  # noqa: F401
