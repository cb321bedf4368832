"""Domain signals (blinker): how one domain reacts to another without importing it.

Receivers run inside the sender's transaction; they flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

#: sender=Meeting, kwargs: actor, old_opens_at, move_sittings. Tasks with deadlines relative to the opening
#: move; with ``move_sittings`` the sittings whose roll is not frozen move by the same amount.
meeting_rescheduled = _signals.signal("meeting-rescheduled")

#: sender=Document, kwargs: actor. Sent when a document reaches 定稿 (its last stage approved), inside the
#: decision's transaction: a material published from it follows with the new version.
document_finalized = _signals.signal("document-finalized")

#: sender=Task, kwargs: actor, action (a ``tasks.states.TaskAction``). Sent by ``tasks.services.transition`` after
#: the step is recorded, so 督办 (``instructions``) can report a task's closure to the leader following it.
task_transitioned = _signals.signal("task-transitioned")
