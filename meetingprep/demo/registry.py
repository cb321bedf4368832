"""Domain seeders run in this order; each module has ``seed(ctx: DemoContext) -> None``."""

SEEDERS = [
    "meetingprep.notifications.demo",  # after the tasks seeder: it scans the seeded tasks
]

# Seeders that also fill the earlier, closed sessions at the xl scale (``SCALES[...]["meetings"]``).
PAST_MEETING_SEEDERS: list[str] = []
