"""Text for comparison: extracted from .docx (python-docx) and .txt/.md; PDFs are not compared.

The diff works from coarse to fine so that its cost follows the size of the *changes*, not the
size of the documents, and every step is paid from one work budget:

1. **Paragraphs** are aligned with difflib (identical paragraphs anchor the alignment); inside a
   run of differing paragraphs, old and new paragraphs are *paired by similarity* (an ordered
   alignment maximising the summed similarity), so a paragraph inserted before an edited one is
   shown as inserted and the edited one is paired with its old self — not, as a plain zip would
   do, the old paragraph with the new one that happens to stand in its place.
2. Inside a changed pair, **sentences**, then inside differing sentences **clauses** (text up to a
   punctuation mark) are aligned with difflib;
3. only inside a run of differing clauses of bounded size are **characters** marked (an ASCII
   word or number counts as one: "2025" → "2026" reads as one change). Chinese has no spaces
   between words; clause boundaries at punctuation give the marks readable edges.

The budget counts the steps of difflib's matcher (see ``_BudgetedMatcher``) and the similarity
computations. When the marking would exceed it, nothing is marked and the comparison says so: the
paragraph view (alignment only) is shown instead. Should even the alignment exceed it, the
paragraphs not yet aligned are listed as deleted and inserted — a linear step, always affordable.

The result is data (rows of plain-text segments flagged changed or not); the template draws it,
so the text is escaped by Jinja before it is marked.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from docx import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError

from meetingprep.uploads import decode_text

COMPARABLE_KINDS = frozenset({"docx", "txt", "md", "text"})

#: Matcher steps one comparison may spend (the page's budget; see DIFF_WORK_BUDGET in config).
DEFAULT_WORK_BUDGET = 2_000_000
#: Characters of a run of differing clauses (per side) that are still marked character by
#: character; a longer run is shown as deleted and inserted text.
MAX_MARKED_RUN = 3_000
#: Two paragraphs whose similarity (Dice coefficient of their character bigrams) reaches this
#: are shown as one edited paragraph; below it, as one deleted and one inserted paragraph.
PAIRING_THRESHOLD = 0.4
#: Runs of differing paragraphs are paired in diagonal chunks of at most this many per side, so
#: pairing costs at most this many similarity computations per paragraph.
PAIRING_CHUNK = 48


# ── extraction ──────────────────────────────────────────────────────────────────────────────────
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
    return "\n".join(_docx_lines(document))


def _docx_lines(document) -> Iterator[str]:
    """Paragraphs and table rows in the order they stand in the document, list items numbered."""
    numbering = _ListNumbering(document)
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield numbering.label(block) + block.text
        elif isinstance(block, Table):
            yield from _table_lines(block)


def _table_lines(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a horizontally merged cell is returned once per grid column
                continue
            previous = cell._tc
            cells.append(" ".join(line for line in cell.text.splitlines() if line.strip()))
        yield " | ".join(cells)


class _ListNumbering:
    """Word stores the "1." or "（一）" of a numbered list as numbering properties, not as text.

    The common formats are rebuilt from numbering.xml (numFmt, lvlText, start), counting as Word
    does: lists sharing a definition continue each other's numbers unless one restarts them
    (startOverride). Bullets and formats not known here give no label rather than a wrong one.
    """

    def __init__(self, document) -> None:
        # numId → (counter key, {level: (numFmt, lvlText, start)})
        self._lists: dict[str, tuple[str, dict[int, tuple[str, str, int]]]] = {}
        self._counters: dict[str, list[int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return  # no numbering part: nothing is numbered
        abstract = {a.get(_w("abstractNumId")): a for a in numbering.findall(_w("abstractNum"))}
        for num in numbering.findall(_w("num")):
            ref = num.find(_w("abstractNumId"))
            abstract_id = ref.get(_w("val")) if ref is not None else None
            definition = abstract.get(abstract_id)
            if definition is None:
                continue
            levels = {}
            for level in definition.findall(_w("lvl")):
                fmt, text, start = (level.find(_w(tag)) for tag in ("numFmt", "lvlText", "start"))
                levels[_int(level.get(_w("ilvl")), 0)] = (
                    fmt.get(_w("val"), "decimal") if fmt is not None else "decimal",
                    text.get(_w("val"), "") if text is not None else "",
                    _int(start.get(_w("val")) if start is not None else None, 1))
            key = f"abstract:{abstract_id}"
            for override in num.findall(_w("lvlOverride")):
                start = override.find(_w("startOverride"))
                level = _int(override.get(_w("ilvl")), 0)
                if start is not None and level in levels:
                    key = f"num:{num.get(_w('numId'))}"
                    fmt, text, _start = levels[level]
                    levels[level] = (fmt, text, _int(start.get(_w("val")), 1))
            self._lists[num.get(_w("numId"))] = (key, levels)

    def label(self, paragraph: Paragraph) -> str:
        try:
            return self._label(paragraph)
        except (ValueError, KeyError, IndexError, AttributeError):
            return ""  # malformed numbering properties: the number is a nicety, the text is what counts

    def _label(self, paragraph: Paragraph) -> str:
        num_pr = self._numbering_properties(paragraph)
        if num_pr is None:
            return ""
        found = self._lists.get(str(num_pr.numId.val))
        level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        if found is None or level not in found[1] or not 0 <= level <= 8:
            return ""
        key, levels = found
        counters = self._counters.setdefault(key, [0] * 9)
        counters[level] += 1
        counters[level + 1:] = [0] * (8 - level)
        fmt, text, _start = levels[level]
        if fmt == "bullet" or not text.strip():
            return ""
        for match in reversed(list(re.finditer(r"%([1-9])", text))):
            shown = int(match.group(1)) - 1
            shown_fmt, _text, start = levels.get(shown, ("decimal", "", 1))
            value = _format_number(shown_fmt, start - 1 + max(counters[shown], 1))
            if value is None:
                return ""
            text = text[:match.start()] + value + text[match.end():]
        # Word separates the number from the text by a tab; in plain text a space reads the same,
        # except after Chinese punctuation ("一、", "（一）"), which is its own separator.
        return text if text.endswith(("、", "）", "．", "　")) else text + " "

    @staticmethod
    def _numbering_properties(paragraph: Paragraph):
        """The paragraph's own numbering, else its style's (a "List Number" style numbers by itself)."""
        p_pr = paragraph._p.pPr
        num_pr = p_pr.numPr if p_pr is not None else None
        style = paragraph.style
        while (num_pr is None or num_pr.numId is None) and style is not None:
            p_pr = style.element.pPr
            num_pr = p_pr.numPr if p_pr is not None else None
            style = style.base_style
        if num_pr is None or num_pr.numId is None or num_pr.numId.val == 0:
            return None  # numId 0 switches a style's numbering off
        return num_pr


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


_CHINESE_DIGITS = "零一二三四五六七八九"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_COUNTING_FORMATS = frozenset({"chineseCounting", "chineseCountingThousand", "taiwaneseCounting",
                               "taiwaneseCountingThousand", "japaneseCounting", "ideographLegalTraditional"})


def _chinese_number(value: int, digits: str = _CHINESE_DIGITS, ten: str = "十", hundred: str = "百") -> str:
    if value < 10:
        return digits[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return ("" if tens == 1 and ten == "十" else digits[tens]) + ten + (digits[ones] if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        if not rest:
            tail = ""
        elif rest < 10:
            tail = digits[0] + digits[rest]
        else:
            tail = digits[rest // 10] + ten + (digits[rest % 10] if rest % 10 else "")
        return digits[hundreds] + hundred + tail
    return str(value)


def _roman(value: int) -> str:
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = []
    for number, letters in numerals:
        count, value = divmod(value, number)
        out.append(letters * count)
    return "".join(out)


def _format_number(fmt: str, value: int) -> str | None:
    """The number as Word's numFmt shows it; None for a format not known here."""
    if fmt == "decimal":
        return str(value)
    if fmt == "decimalZero":
        return f"{value:02d}"
    if fmt == "decimalFullWidth":
        return str(value).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    if fmt == "decimalEnclosedCircle" and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if fmt in _COUNTING_FORMATS:
        return _chinese_number(value)
    if fmt == "chineseLegalSimplified":
        return _chinese_number(value, _LEGAL_DIGITS, "拾", "佰")
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(value))
    if fmt == "ideographTraditional":
        return "甲乙丙丁戊己庚辛壬癸"[(value - 1) % 10]
    if fmt == "ideographZodiac":
        return "子丑寅卯辰巳午未申酉戌亥"[(value - 1) % 12]
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(value).lower() if fmt == "lowerRoman" else _roman(value)
    return None


def paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# ── the diff ────────────────────────────────────────────────────────────────────────────────────
class WorkBudgetExceeded(Exception):
    pass


@dataclass
class WorkBudget:
    limit: int
    spent: int = 0

    def charge(self, steps: int) -> None:
        """Pay for work about to be done, or refuse it (then nothing is spent)."""
        if self.spent + steps > self.limit:
            raise WorkBudgetExceeded
        self.spent += steps


class _BudgetedMatcher(difflib.SequenceMatcher):
    """difflib's matcher, paying for its work before doing it.

    Nearly all of difflib's time goes to ``find_longest_match``, whose inner loop visits, for each
    element of ``a`` in the range, that element's positions in ``b`` up to the range's end. That
    count is taken (one bisect per element) and charged before each call, so a pathological input
    (thousands of repeated characters or paragraphs) stops at the budget instead of running for
    minutes.
    """

    def __init__(self, a: Sequence, b: Sequence, budget: WorkBudget) -> None:
        budget.charge(len(a) + len(b))
        self._budget = budget
        super().__init__(None, a, b, autojunk=False)

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        positions, a = self.b2j, self.a
        steps = ahi - alo
        for i in range(alo, ahi):
            found = positions.get(a[i])
            if found:
                steps += bisect_left(found, bhi)
        self._budget.charge(steps)
        return super().find_longest_match(alo, ahi, blo, bhi)


def _opcodes(a: Sequence, b: Sequence, budget: WorkBudget) -> list[tuple[str, int, int, int, int]]:
    return _BudgetedMatcher(a, b, budget).get_opcodes()


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool  # deleted (left) or inserted (right)


RowKind = Literal["equal", "changed", "added", "removed"]


@dataclass(frozen=True)
class DiffRow:
    kind: RowKind
    left_number: int | None
    left: tuple[Segment, ...]
    right_number: int | None
    right: tuple[Segment, ...]


@dataclass
class Comparison:
    rows: list[DiffRow]
    #: Words and characters are marked inside the changed paragraphs (else: the paragraph view).
    marked: bool
    #: Some work was refused by the budget: the marking (then the paragraph view is shown) or even
    #: part of the pairing of similar paragraphs (then ``aligned`` is False).
    over_budget: bool = False
    #: Every run of differing paragraphs was paired by similarity.
    aligned: bool = True
    work: int = 0

    def count(self, kind: RowKind) -> int:
        return sum(1 for row in self.rows if row.kind == kind)

    @property
    def changed(self) -> int:
        return sum(1 for row in self.rows if row.kind != "equal")


# Pairing similar paragraphs ----------------------------------------------------------------------
def _grams(text: str) -> frozenset[str]:
    return frozenset(map(str.__add__, text, text[1:])) if len(text) > 1 else frozenset({text})


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice's coefficient of the character bigrams: 1 for the same text, near 0 for unrelated ones."""
    if 2 * min(len(a), len(b)) < PAIRING_THRESHOLD * (len(a) + len(b)):
        return 0.0  # the bound from the sizes alone already rules the pair out
    return 2 * len(a & b) / (len(a) + len(b))


Step = tuple[int | None, int | None]  # (old index, new index): paired, removed (i, None) or added (None, j)


def _pair_chunk(old: Sequence[frozenset[str]], new: Sequence[frozenset[str]], i0: int, j0: int) -> list[Step]:
    """The order-keeping pairing with the greatest summed similarity (pairs below the threshold
    do not count): a small dynamic programme, like an alignment of two sequences."""
    n, m = len(old), len(new)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            similarity = _similarity(old[i], new[j])
            if similarity >= PAIRING_THRESHOLD:
                best = max(best, score[i + 1][j + 1] + similarity)
            score[i][j] = best
    steps: list[Step] = []
    removed: list[Step] = []
    added: list[Step] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m:
            similarity = _similarity(old[i], new[j])
            if similarity >= PAIRING_THRESHOLD and score[i][j] == score[i + 1][j + 1] + similarity:
                steps += removed + added
                removed, added = [], []
                steps.append((i0 + i, j0 + j))
                i, j = i + 1, j + 1
                continue
        if i < n and (j == m or score[i][j] == score[i + 1][j]):
            removed.append((i0 + i, None))
            i += 1
        else:
            added.append((None, j0 + j))
            j += 1
    return steps + removed + added


def _pair(old: list[str], new: list[str], i1: int, i2: int, j1: int, j2: int, budget: WorkBudget) -> list[Step]:
    """Pair a run of differing paragraphs, in diagonal chunks so the cost stays linear in the run."""
    old_grams = [_grams(p) for p in old[i1:i2]]
    new_grams = [_grams(p) for p in new[j1:j2]]
    n, m = len(old_grams), len(new_grams)
    chunks = max(1, -(-max(n, m) // PAIRING_CHUNK))
    steps: list[Step] = []
    for c in range(chunks):
        a1, a2 = c * n // chunks, (c + 1) * n // chunks
        b1, b2 = c * m // chunks, (c + 1) * m // chunks
        # Each similarity costs about the smaller bigram set; paid before the chunk is paired.
        budget.charge(sum(min(len(a), len(b)) for a in old_grams[a1:a2] for b in new_grams[b1:b2]) + 1)
        steps += _pair_chunk(old_grams[a1:a2], new_grams[b1:b2], i1 + a1, j1 + b1)
    return steps


def _unpaired(i1: int, i2: int, j1: int, j2: int) -> list[Step]:
    return [(i, None) for i in range(i1, i2)] + [(None, j) for j in range(j1, j2)]


def _align(old: list[str], new: list[str], budget: WorkBudget) -> tuple[list[Step], bool]:
    """Paragraph alignment, and whether it is complete: when the budget runs out, the rest of the
    differing paragraphs is listed as deleted and inserted, unpaired (a linear, always affordable step)."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    steps: list[Step] = [(i, i) for i in range(start)]
    complete = True
    try:
        opcodes = _opcodes(old[start:end_old], new[start:end_new], budget)
    except WorkBudgetExceeded:
        opcodes, complete = [("replace", 0, end_old - start, 0, end_new - start)], False
    for op, i1, i2, j1, j2 in opcodes:
        i1, i2, j1, j2 = i1 + start, i2 + start, j1 + start, j2 + start
        if op == "equal":
            steps += zip(range(i1, i2), range(j1, j2), strict=True)
        elif op != "replace" or not complete:
            steps += _unpaired(i1, i2, j1, j2)
        else:
            try:
                steps += _pair(old, new, i1, i2, j1, j2, budget)
            except WorkBudgetExceeded:
                steps += _unpaired(i1, i2, j1, j2)
                complete = False
    steps += zip(range(end_old, len(old)), range(end_new, len(new)), strict=True)
    return steps, complete


# Marking inside a changed pair -------------------------------------------------------------------
# Sentences, then clauses: text up to and including its closing punctuation (and closing quotes).
_SENTENCE = re.compile(r"[^。！？!?…]*[。！？!?…]+[”’」』）)]*|[^。！？!?…]+")
_CLAUSE = re.compile(r"[^，。；：！？、,;:!?…]*[，。；：！？、,;:!?…]+[”’」』）)]*|[^，。；：！？、,;:!?…]+")
_TOKEN = re.compile(r"[0-9A-Za-z_]+|\s+|.", re.DOTALL)  # an ASCII word or number, else one character
_LEVELS = (_SENTENCE, _CLAUSE)

Piece = tuple[str, str, str]  # (difflib op, old text, new text)


def _pieces(old: str, new: str, level: int, budget: WorkBudget) -> list[Piece]:
    """Align by sentences, then inside each run of differing sentences by clauses, then by
    characters: each level compares only what the coarser one found different."""
    if not old or not new:
        return [("replace", old, new)]
    if level == len(_LEVELS):
        return _mark_run(old, new, budget)
    a, b = _LEVELS[level].findall(old), _LEVELS[level].findall(new)
    if len(a) == 1 and len(b) == 1:
        return _pieces(old, new, level + 1, budget)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b, budget):
        old_run, new_run = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            pieces.append(("equal", old_run, new_run))
        else:
            pieces += _pieces(old_run, new_run, level + 1, budget)
    return pieces


def _mark_run(old: str, new: str, budget: WorkBudget) -> list[Piece]:
    """A run of differing clauses, marked by character (bounded: a longer run is marked whole)."""
    if len(old) > MAX_MARKED_RUN or len(new) > MAX_MARKED_RUN:
        return [("replace", old, new)]
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    pieces = [(op, "".join(a[i1:i2]), "".join(b[j1:j2])) for op, i1, i2, j1, j2 in _opcodes(a, b, budget)]
    return _absorb_short_equalities(pieces)


def _absorb_short_equalities(pieces: list[Piece]) -> list[Piece]:
    """An equal stretch no longer than the changes on both sides of it becomes part of the change
    (the rule of diff-match-patch's semantic cleanup): "我们要" → "他们必须" reads as one change, not
    as 我→他, 们, 要→必须."""
    def size(piece: Piece) -> int:
        return max(len(piece[1]), len(piece[2]))

    out: list[Piece] = []
    for piece in pieces:
        if out and piece[0] != "equal" and out[-1][0] != "equal":
            out[-1] = ("replace", out[-1][1] + piece[1], out[-1][2] + piece[2])
            continue
        out.append(piece)
        if (piece[0] != "equal" and len(out) >= 3 and out[-2][0] == "equal"
                and len(out[-2][1]) <= min(size(out[-3]), size(piece))):
            before, equal, after = out[-3], out[-2], out[-1]
            out[-3:] = [("replace", before[1] + equal[1] + after[1], before[2] + equal[2] + after[2])]
    return out


def _mark(old: str, new: str, budget: WorkBudget) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    pieces = _pieces(old, new, 0, budget)
    return _segments(pieces, 1), _segments(pieces, 2)


def _segments(pieces: list[Piece], side: int) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for piece in pieces:
        text, changed = piece[side], piece[0] != "equal"
        if not text:
            continue
        if out and out[-1].changed == changed:
            out[-1] = Segment(out[-1].text + text, changed)
        else:
            out.append(Segment(text, changed))
    return tuple(out)


def compare(old_text: str | None, new_text: str | None, *, mark: bool = True,
            budget: int = DEFAULT_WORK_BUDGET) -> Comparison:
    """Side-by-side rows of two versions. ``mark=False`` asks for the paragraph view."""
    old, new = paragraphs(old_text), paragraphs(new_text)
    work = WorkBudget(budget)
    steps, complete = _align(old, new, work)
    marks: dict[int, tuple[tuple[Segment, ...], tuple[Segment, ...]]] = {}
    over_budget = not complete
    if mark and complete:
        try:
            for i, j in steps:
                if i is not None and j is not None and old[i] != new[j]:
                    marks[i] = _mark(old[i], new[j], work)
        except WorkBudgetExceeded:
            marks, over_budget = {}, True
    rows: list[DiffRow] = []
    for i, j in steps:
        if i is None:
            rows.append(DiffRow("added", None, (), j + 1, (Segment(new[j], True),)))
        elif j is None:
            rows.append(DiffRow("removed", i + 1, (Segment(old[i], True),), None, ()))
        elif old[i] == new[j]:
            rows.append(DiffRow("equal", i + 1, (Segment(old[i], False),), j + 1, (Segment(new[j], False),)))
        else:
            left, right = marks.get(i, ((Segment(old[i], False),), (Segment(new[j], False),)))
            rows.append(DiffRow("changed", i + 1, left, j + 1, right))
    return Comparison(rows, marked=mark and not over_budget, over_budget=over_budget, aligned=complete,
                      work=work.spent)


def paragraph_map(old_text: str | None, new_text: str | None, *,
                  budget: int = DEFAULT_WORK_BUDGET) -> dict[int, int]:
    """Where each paragraph of an older version stands in a newer one (1-based numbers, as the diff shows
    them): unchanged and edited paragraphs are found by the diff's own alignment; a deleted one is missing."""
    old, new = paragraphs(old_text), paragraphs(new_text)
    steps, _complete = _align(old, new, WorkBudget(budget))
    return {i + 1: j + 1 for i, j in steps if i is not None and j is not None}
