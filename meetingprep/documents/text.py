"""Text for comparison: extracted from .docx (python-docx) and .txt/.md; PDFs are not compared.

The side-by-side diff pairs paragraphs with difflib and marks the changed characters inside a
changed paragraph (character level suits Chinese, which has no spaces between words).
"""

from __future__ import annotations

import difflib
import io
import itertools
import zipfile
from dataclasses import dataclass

from docx import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from lxml.etree import XMLSyntaxError
from markupsafe import Markup, escape

from meetingprep.uploads import decode_text

COMPARABLE_KINDS = frozenset({"docx", "txt", "md", "text"})


def extract_text(data: bytes, kind: str) -> str | None:
    """The version's paragraphs joined by newlines; None when the format has no text to compare."""
    if kind in ("txt", "md"):
        return decode_text(data)
    if kind != "docx":
        return None
    try:
        document = DocxDocument(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, XMLSyntaxError):
        return None  # a valid OOXML package python-docx cannot read: stored, just not comparable
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass(frozen=True)
class DiffRow:
    kind: str  # equal, changed, added, removed
    left_number: int | None
    left: Markup
    right_number: int | None
    right: Markup


def _mark(old: str, new: str) -> tuple[Markup, Markup]:
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(escape(old[i1:i2]))
            right.append(escape(new[j1:j2]))
            continue
        if i2 > i1:
            left.append(Markup("<del>{}</del>").format(old[i1:i2]))
        if j2 > j1:
            right.append(Markup("<ins>{}</ins>").format(new[j1:j2]))
    return Markup("").join(left), Markup("").join(right)


def side_by_side(old_text: str | None, new_text: str | None) -> list[DiffRow]:
    old, new = paragraphs(old_text), paragraphs(new_text)
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(DiffRow("equal", i + 1, escape(old[i]), j + 1, escape(new[j]))
                        for i, j in zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        for i, j in itertools.zip_longest(range(i1, i2), range(j1, j2)):
            if i is not None and j is not None:
                left, right = _mark(old[i], new[j])
                rows.append(DiffRow("changed", i + 1, left, j + 1, right))
            elif i is not None:
                rows.append(DiffRow("removed", i + 1, Markup("<del>{}</del>").format(old[i]), None, Markup("")))
            else:
                rows.append(DiffRow("added", None, Markup(""), j + 1, Markup("<ins>{}</ins>").format(new[j])))
    return rows
