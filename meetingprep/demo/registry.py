"""Domain seeders run in this order; each module has ``seed(ctx: DemoContext) -> None``."""

SEEDERS = [
    "meetingprep.notifications.demo",  # after the tasks seeder: it scans the seeded tasks
]
