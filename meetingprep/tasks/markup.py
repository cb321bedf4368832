"""Task pieces drawn once per row — badges, deadlines, links, pick lists — in Python.

The ledger, the board, 我的任务 and the timeline draw them 50–150 times a page. As Jinja macros with
``url_for`` each they were most of those pages' drawing time (ledger: 65 M instructions to draw 50 rows);
here they are plain string joins, with every text escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, g, url_for
from markupsafe import Markup, escape

from meetingprep.db import MAX_ID
from meetingprep.timeutil import format_datetime, format_short

_OVERDUE = ' <span class="badge text-bg-danger">逾期</span>'
_WAITING = ' <span class="badge text-bg-light border">等待前置任务</span>'


def task_path(task_id: int) -> str:
    """``url_for("tasks.detail", task_id=…)``, with the rule built once per request and the id put in."""
    parts = g.get("_task_path")
    if parts is None:
        parts = g._task_path = url_for("tasks.detail", task_id=MAX_ID).split(str(MAX_ID), 1)
    return f"{parts[0]}{task_id}{parts[1]}"


def ledger_url(filt, **changes) -> str:
    """``url_for("tasks.ledger", **filt.args(**changes))`` with the path built once per request: the
    ledger draws some 30 such links (sort headers, status counts, pages). Encoded as Werkzeug does."""
    path = g.get("_ledger_path")
    if path is None:
        path = g._ledger_path = url_for("tasks.ledger")
    query = urlencode(list(filt.args(**changes).items()), safe="!$'()*,/:;?@")
    return f"{path}?{query}" if query else path


def status_badge(task, moment, waiting: bool = False) -> Markup:
    """状态, then 逾期 and 等待前置任务 when they apply."""
    html = f'<span class="badge text-bg-{task.status_colour}">{escape(task.status.label)}</span>'
    if task.is_overdue_at(moment):
        html += _OVERDUE
    if waiting:
        html += _WAITING
    return Markup(html)


def due(task, moment, short: bool = True) -> Markup:
    """The deadline, red when overdue, with its rule when relative to the opening (开幕前 7 天 17:00)."""
    css = "text-danger fw-semibold" if task.is_overdue_at(moment) else ""
    when = format_short(task.due_at) if short else format_datetime(task.due_at)
    html = f'<span class="{css}">{escape(when)}</span>'
    if task.is_relative:
        html += f' <span class="small text-secondary">（{escape(task.relative_due_label)}）</span>'
    return Markup(html)


_OVERDUE_LINE = '<div><span class="badge text-bg-danger">逾期</span></div>'


def board_card(task, moment) -> Markup:
    """One card of the group board: title, owner and deadline, red-edged when overdue (150 a page)."""
    overdue = task.is_overdue_at(moment)
    return Markup(
        f'<a class="card card-body p-2 mb-2 text-decoration-none text-body{" border-danger" if overdue else ""}" '
        f'href="{task_path(task.id)}"><div class="small fw-semibold">{escape(task.title)}</div>'
        f'<div class="small text-secondary">{escape(task.owner.display_name)} · {due(task, moment)}</div>'
        f'{_OVERDUE_LINE if overdue else ""}</a>')


def ledger_row(task, waiting: bool, moment, selectable: bool) -> Markup:
    """One row of the ledger (50 a page), with its bulk-edit checkbox when the viewer may bulk-edit."""
    title = escape(task.title)
    check = (f'<td><input type="checkbox" class="form-check-input" name="task_ids" value="{task.id}" '
             f'form="bulk-form" aria-label="选择 {title}"></td>') if selectable else ""
    return Markup(
        f'<tr>{check}<td><a href="{task_path(task.id)}">{title}</a></td>'
        f'<td class="text-nowrap">{escape(task.group.name)}</td>'
        f'<td class="text-nowrap">{escape(task.owner.display_name)}</td>'
        f"<td>{escape(task.phase.label)}</td><td>{escape(task.priority.label)}</td>"
        f'<td class="text-nowrap">{due(task, moment)}</td>'
        f'<td class="text-nowrap">{status_badge(task, moment, waiting)}</td><td>{task.progress}%</td></tr>')


def options(choices: Iterable[tuple[object, str]], selected: object = None) -> Markup:
    """``<option>``s of (value, label) pairs; the one equal to ``selected`` is marked. Pick lists run to
    hundreds of people at national scale: drawn here (``html.escape``: plain strings, no Markup per
    value) they cost a tenth of a Jinja loop."""
    return Markup("".join(
        f'<option value="{html.escape(str(value))}"{" selected" if value == selected else ""}>'
        f"{html.escape(label)}</option>" for value, label in choices))


@dataclass(frozen=True)
class PickList:
    """(value, label) pairs with their ``<option>``s drawn once for the usual case, nothing selected: a
    national meeting's owner filter lists hundreds of people on every ledger view."""

    pairs: tuple[tuple[object, str], ...]
    unselected: Markup = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "unselected", options(self.pairs))

    def options(self, selected: object = None) -> Markup:
        return self.unselected if selected is None else options(self.pairs, selected)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(task_path=task_path, task_status_badge=status_badge, task_due=due,
                                 task_board_card=board_card, task_ledger_row=ledger_row, options=options,
                                 ledger_url=ledger_url)
