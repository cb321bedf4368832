"""Domain seeders run in this order; each module has ``seed(ctx: DemoContext) -> None``."""

SEEDERS = [
    "meetingprep.tasks.demo",
    "meetingprep.plans.demo",
]
