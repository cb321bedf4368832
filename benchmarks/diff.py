"""``make bench-diff``: the version diff (meetingprep.documents.text.compare) on large texts.

Three pairs of versions, each about ``--chars`` characters (default 200,000):

* **report** — a work report in paragraphs of 80–600 characters, revised as drafts are: paragraphs
  inserted (some right before a paragraph that is also edited), deleted and edited (a phrase
  replaced, a clause added or removed, a number changed);
* **typed** — the same texts with few line breaks (paragraphs of about 10,000 characters), as text
  typed or pasted into the browser often is: the case that stalled the old character-level diff;
* **one paragraph** — the same texts without any line break (text pasted from a PDF or a chat);
* **repetitive** — long runs of one repeated character, the worst case of difflib's matcher: the
  comparison must stop at its work budget and offer the paragraph view.

For each: the median wall time of ``--repeat`` runs of the marked diff and of the paragraph view,
the work counted against the budget, and the rows. In-process, one core; no server.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from meetingprep.documents.text import DEFAULT_WORK_BUDGET, compare

SUBJECTS = ["全市政协", "各级政协组织", "广大政协委员", "各民主党派", "市政协常委会", "专门委员会", "各界别",
            "机关各部门", "基层协商议事会", "委员工作室", "履职平台", "提案办理单位"]
VERBS = ["坚持", "深入推进", "着力加强", "认真落实", "积极开展", "持续完善", "扎实推动", "不断提高",
         "稳步推进", "切实做好", "全面加强", "广泛凝聚"]
OBJECTS = ["协商议政质量", "民主监督实效", "参政议政能力", "调查研究工作", "提案办理协商", "界别工作",
           "委员履职管理", "专题协商会", "对口协商", "重点提案督办", "社情民意信息工作", "文史资料工作",
           "高质量发展", "乡村振兴战略", "营商环境优化", "生态环境保护", "科技创新能力", "民生保障水平"]
TAILS = ["取得明显成效", "形成了一批有价值的成果", "为全市发展大局贡献了智慧和力量", "得到有关方面充分肯定",
         "推动解决了一批群众急难愁盼问题", "建言资政和凝聚共识双向发力", "协商成果转化运用水平进一步提升",
         "制度机制更加健全", "工作质效稳步提高"]
NUMBERED = ["全年共组织视察调研{n}次", "收到提案{n}件", "立案{n}件", "报送社情民意信息{n}条",
            "召开专题协商会{n}场", "参与委员{n}人次"]


def _sentence(rng: random.Random) -> str:
    clauses = [rng.choice(SUBJECTS) + rng.choice(VERBS) + rng.choice(OBJECTS)]
    for _ in range(rng.randint(1, 3)):
        clauses.append(rng.choice([rng.choice(VERBS) + rng.choice(OBJECTS),
                                   rng.choice(NUMBERED).format(n=rng.randint(3, 999)),
                                   rng.choice(TAILS)]))
    return "，".join(clauses) + "。"


def _paragraph(rng: random.Random, target: int) -> str:
    text = ""
    while len(text) < target:
        text += _sentence(rng)
    return text


def _heading(rng: random.Random, number: int) -> str:
    return f"{'一二三四五六七八九十'[number % 10]}、{rng.choice(VERBS)}{rng.choice(OBJECTS)}"


def _edit(rng: random.Random, paragraph: str) -> str:
    kind = rng.choice(["phrase", "add", "remove", "number"])
    if kind == "phrase":
        old = rng.choice([w for w in VERBS + OBJECTS if w in paragraph] or [paragraph[:4]])
        return paragraph.replace(old, rng.choice(VERBS + OBJECTS), 1)
    clauses = paragraph.split("，")
    at = rng.randrange(len(clauses))
    if kind == "add":
        clauses.insert(at, rng.choice(VERBS) + rng.choice(OBJECTS))
    elif kind == "remove" and len(clauses) > 2:
        del clauses[at]
    else:
        digits = [i for i, ch in enumerate(paragraph) if ch.isdigit()]
        if digits:
            i = rng.choice(digits)
            return paragraph[:i] + str((int(paragraph[i]) + 1) % 10) + paragraph[i + 1:]
    return "，".join(clauses)


@dataclass
class Revision:
    old: str
    new: str
    inserted: int = 0
    deleted: int = 0
    edited: int = 0


def make_report(chars: int, seed: int = 7) -> Revision:
    """Two versions of a report of about ``chars`` characters; the new one revised paragraph by paragraph."""
    rng = random.Random(seed)
    old: list[str] = []
    size = 0
    while size < chars:
        paragraph = _heading(rng, len(old)) if rng.random() < 0.08 else _paragraph(rng, rng.randint(80, 600))
        old.append(paragraph)
        size += len(paragraph) + 1
    revision = Revision("", "")
    new: list[str] = []
    for paragraph in old:
        roll = rng.random()
        if roll < 0.04:
            new.append(_paragraph(rng, rng.randint(80, 400)))  # inserted before an edited paragraph
            new.append(_edit(rng, paragraph))
            revision.inserted += 1
            revision.edited += 1
        elif roll < 0.07:
            new.append(_paragraph(rng, rng.randint(80, 400)))  # inserted
            new.append(paragraph)
            revision.inserted += 1
        elif roll < 0.10:
            revision.deleted += 1
        elif roll < 0.25:
            new.append(_edit(rng, paragraph))
            revision.edited += 1
        else:
            new.append(paragraph)
    revision.old, revision.new = "\n".join(old), "\n".join(new)
    return revision


def _merge_lines(text: str, every: int) -> str:
    lines = text.split("\n")
    return "\n".join("".join(lines[i:i + every]) for i in range(0, len(lines), every))


def make_typed(chars: int, seed: int = 7) -> Revision:
    """The report's versions with about 10,000 characters per paragraph."""
    report = make_report(chars, seed)
    every = max(1, report.old.count("\n") * 10_000 // max(chars, 1))
    return Revision(_merge_lines(report.old, every), _merge_lines(report.new, every),
                    report.inserted, report.deleted, report.edited)


def make_one_paragraph(chars: int, seed: int = 7) -> Revision:
    report = make_report(chars, seed)
    return Revision(report.old.replace("\n", ""), report.new.replace("\n", ""),
                    report.inserted, report.deleted, report.edited)


def make_repetitive(chars: int) -> Revision:
    """Paragraphs of clauses of one repeated character, every third one with a character inserted:
    difflib's worst case (each position of the clause matches each other one)."""
    def paragraph(number: int) -> str:
        return "".join(f"{number}.{clause}" + "的" * 1_990 + "，" for clause in range(2))

    count = max(1, chars // len(paragraph(0)))
    old = [paragraph(i) for i in range(count)]
    new = [p[:1_000] + "是" + p[1_000:] if i % 3 == 0 else p for i, p in enumerate(old)]
    return Revision("\n".join(old), "\n".join(new), edited=(count + 2) // 3)


def _median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=int, default=DEFAULT_WORK_BUDGET)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {args.chars:,} characters per version, "
          f"median of {args.repeat}, work budget {args.budget:,}")
    print()
    print("| pair | old / new chars | paragraphs | edits (ins/del/edit) | marked diff | paragraph view | "
          "work (marked) | result |")
    print("|---|---|---|---|---|---|---|---|")
    for name, revision in (("report", make_report(args.chars)), ("typed", make_typed(args.chars)),
                           ("one paragraph", make_one_paragraph(args.chars)),
                           ("repetitive", make_repetitive(args.chars))):
        marked = compare(revision.old, revision.new, budget=args.budget)
        seconds = _median_seconds(lambda r=revision: compare(r.old, r.new, budget=args.budget), args.repeat)
        plain = _median_seconds(lambda r=revision: compare(r.old, r.new, mark=False, budget=args.budget),
                                args.repeat)
        result = "marked" if marked.marked else "over budget → paragraph view"
        print(f"| {name} | {len(revision.old):,} / {len(revision.new):,} "
              f"| {revision.old.count(chr(10)) + 1:,} / {revision.new.count(chr(10)) + 1:,} "
              f"| {revision.inserted}/{revision.deleted}/{revision.edited} | {seconds:.3f} s | {plain:.3f} s "
              f"| {marked.work:,} | {result}, {marked.changed} changed rows |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
