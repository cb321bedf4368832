"""Reminder rules: the registry the scan walks. Each domain keeps its own rules beside its code
(``tasks/reminders.py``, ``documents/reminders.py``, ``attendance/reminders.py``) and registers them here.

A rule answers one question with a fixed number of set-based queries: "which (object, recipient,
due moment) reminders are due now?". It yields only the *latest* moment that has passed for each
object, so after downtime a missed reminder is sent once, never a burst of every stage missed.
The scan (``scan.py``) records each item in ``ReminderLog`` (unique) and groups what is new into one
message per person.

A domain adds rules with ``register_rule(ReminderRule(...))`` — tasks due and overdue, document stages
out of allowance, sittings N hours before — and, when the notifications domain does not already know
their wording, their kinds with ``wording.register_kind``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DueItem:
    """One reminder for one person about one object at one due moment."""

    rule: str
    object_type: str
    object_id: int
    recipient_id: int
    recipient_name: str
    due_moment: dt.datetime
    values: dict[str, str]
    link: str
    meeting_id: int | None = None

    @property
    def key(self) -> tuple:
        return (self.rule, self.object_type, self.object_id, self.recipient_id, self.due_moment)


@dataclass
class ScanContext:
    now: dt.datetime
    cache: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReminderRule:
    key: str
    kind: str  # the wording kind (see wording.KINDS)
    label: str
    collect: Callable[[ScanContext], Iterable[DueItem]]
    is_escalation: bool = False  # escalations ignore quiet hours


RULES: dict[str, ReminderRule] = {}

#: Each domain's module of rules, registered when imported; one whose domain is not part of this
#: installation is skipped. ``load_domain_rules()`` runs in ``create_app``.
DOMAIN_RULES = ("meetingprep.tasks.reminders", "meetingprep.documents.reminders", "meetingprep.attendance.reminders",
                "meetingprep.instructions.reminders")


def optional_module(name: str):
    """The module, or None when its domain package is not installed (a real import error still raises)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            return None
        raise


def load_domain_rules() -> None:
    for name in DOMAIN_RULES:
        optional_module(name)


def register_rule(rule: ReminderRule) -> ReminderRule:
    if rule.key in RULES:
        raise ValueError(f"reminder rule {rule.key!r} registered twice")
    RULES[rule.key] = rule
    return rule
