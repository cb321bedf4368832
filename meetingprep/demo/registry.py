"""Domain seeders run in this order; each module has ``seed(ctx: DemoContext) -> None``."""

SEEDERS = [
    "meetingprep.attendance.demo",
]
