"""Domain seeders run in this order; each module has ``seed(ctx: DemoContext) -> None``."""

SEEDERS = [
    "meetingprep.tasks.demo",
    "meetingprep.plans.demo",  # saves the tasks seeded above as a plan template
    "meetingprep.documents.demo",
    "meetingprep.attendance.demo",
    "meetingprep.agenda.demo",  # the sittings above get agendas; speeches reach 定稿 for the 大会发言 order
    "meetingprep.opinions.demo",  # recorders for the discussion groups, opinions on the two reports under review
    "meetingprep.materials.demo",  # the opening's materials and 会议简报 第1期, published, some read
    "meetingprep.notices.demo",  # two sent notices (会议纪律要求, 报到须知) with some receipts
    "meetingprep.instructions.demo",  # leaders' 批示 on tasks and a document, 督办 tasks
    "meetingprep.notifications.demo",  # it scans what the others seeded (once: it also sets up a group robot)
    "meetingprep.archive.demo",  # last year's session, held and archived (after the scan: nothing to remind of)
]

# Seeders that also fill the earlier, closed sessions at the xl scale (``SCALES[...]["meetings"]``).
PAST_MEETING_SEEDERS: list[str] = ["meetingprep.tasks.demo"]
