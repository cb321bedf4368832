"""Read side of 批示 and 督办: an object's instructions with their receipts and replies, a task's 督办, the 批示督办
list. Each a fixed number of queries (the dashboard reads 督办 in ``dashboard/sections/risk.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, raiseload, selectinload

from meetingprep.auth.models import User
from meetingprep.documents.models import Document
from meetingprep.extensions import db
from meetingprep.instructions.models import Instruction, InstructionReceipt, InstructionReply, Supervision
from meetingprep.tasks.models import Task

LIST_PAGE = 50


def _with_answers() -> tuple:
    person = User.display_name
    return (joinedload(Instruction.author).load_only(person, raiseload=True),
            selectinload(Instruction.receipts).joinedload(InstructionReceipt.user).load_only(person, raiseload=True),
            selectinload(Instruction.replies).joinedload(InstructionReply.author).load_only(person, raiseload=True),
            raiseload("*"))


def instructions_on(*, task_id: int | None = None, document_id: int | None = None) -> list[Instruction]:
    """The object's instructions, oldest first, with author, receipts and replies: three queries (one when
    there is none: the lists of no instruction are not asked for)."""
    column, value = (Instruction.task_id, task_id) if task_id is not None else (Instruction.document_id, document_id)
    return list(db.session.scalars(select(Instruction).where(column == value)
                                   .options(*_with_answers()).order_by(Instruction.id)).unique())


def instruction_for_action(instruction_id: int) -> Instruction | None:
    return db.session.scalar(select(Instruction).where(Instruction.id == instruction_id)
                             .options(selectinload(Instruction.receipts), selectinload(Instruction.replies)))


@dataclass(frozen=True)
class SupervisionRow:
    leader_id: int
    leader_name: str
    note: str
    marked_at: dt.datetime


def supervision_row(task_id: int) -> SupervisionRow | None:
    row = db.session.execute(
        select(Supervision.leader_id, User.display_name, Supervision.note, Supervision.marked_at)
        .join(User, User.id == Supervision.leader_id).where(Supervision.task_id == task_id)).first()
    return SupervisionRow(*row) if row is not None else None


# ── 批示督办: the list ──────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class ListFilter:
    mine: bool = False  # leaders and the secretariat: only those I wrote
    pending: bool = False  # not yet reported back on
    page: int = 1


def listing(meeting_id: int, user_id: int, *, sees_all: bool, filt: ListFilter):
    """The meeting's instructions, newest first: all of them for leaders and the secretariat (or only their own),
    otherwise those addressed to the user. Each with its object's title."""
    statement: Select = (select(Instruction).where(Instruction.meeting_id == meeting_id)
                         .options(*_with_answers()).order_by(Instruction.id.desc()))
    if not sees_all:
        statement = statement.where(Instruction.id.in_(
            select(InstructionReceipt.instruction_id).where(InstructionReceipt.user_id == user_id)))
    elif filt.mine:
        statement = statement.where(Instruction.author_id == user_id)
    if filt.pending:
        statement = statement.where(~select(InstructionReply.id).where(
            InstructionReply.instruction_id == Instruction.id).exists())
    return db.paginate(statement, page=filt.page, per_page=LIST_PAGE, error_out=False)


def titles_of(instructions: Collection[Instruction]) -> dict[tuple[str, int], str]:
    """("task" | "document", id) → title for the objects of a page of instructions, in at most two queries."""
    task_ids = {i.task_id for i in instructions if i.task_id is not None}
    document_ids = {i.document_id for i in instructions if i.document_id is not None}
    titles: dict[tuple[str, int], str] = {}
    if task_ids:
        titles.update((("task", tid), title) for tid, title in
                      db.session.execute(select(Task.id, Task.title).where(Task.id.in_(task_ids))))
    if document_ids:
        titles.update((("document", did), title) for did, title in
                      db.session.execute(select(Document.id, Document.title).where(Document.id.in_(document_ids))))
    return titles
