"""Each domain keeps its reminder rules beside its own code; notifications only keeps the registry and the
scan, and the scheduler (its own module) runs every domain's jobs."""

from __future__ import annotations

import ast
from pathlib import Path

import meetingprep
from meetingprep import scheduler
from meetingprep.notifications.rules import DOMAIN_RULES, RULES

ROOT = Path(meetingprep.__file__).parent
HOMES = {"task": "meetingprep.tasks.reminders", "document": "meetingprep.documents.reminders",
         "attendance": "meetingprep.attendance.reminders", "supervision": "meetingprep.instructions.reminders",
         "instruction": "meetingprep.instructions.reminders"}


def test_every_rule_lives_in_its_domain(app):
    assert set(HOMES.values()) <= set(DOMAIN_RULES)
    assert {key.split(".")[0] for key in RULES} == set(HOMES)
    for key, rule in RULES.items():
        assert rule.collect.__module__ == HOMES[key.split(".")[0]], key


def test_the_notifications_registry_imports_no_domain():
    tree = ast.parse((ROOT / "notifications" / "rules.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.split(".")[1:2] in (["tasks"], ["documents"], ["attendance"])}


def test_the_scheduler_runs_every_domains_jobs_and_the_cli_finds_it(app):
    assert scheduler.__name__ == "meetingprep.scheduler"
    assert set(scheduler.JOBS) >= {"reminders.scan", "outbox.deliver", "digest.daily", "dashboard.refresh"}
    result = app.test_cli_runner().invoke(args=["scheduler", "--help"])
    assert result.exit_code == 0 and "run" in result.output
