"""The version diff: paragraphs aligned first, words marked inside changed pairs, a work budget.

No timing here: the work a comparison does is counted (difflib matcher steps and similarity
computations) and the tests assert on that count and on what the comparison shows.
"""

import difflib
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetingprep.documents import queries, services
from meetingprep.documents.states import Decision
from meetingprep.documents.text import (
    DEFAULT_WORK_BUDGET,
    WorkBudget,
    WorkBudgetExceeded,
    _opcodes,
    compare,
    paragraphs,
)
from meetingprep.extensions import db
from tests import factories

INTRO = "一、过去一年的工作。市政协常委会坚持团结和民主两大主题，认真履行政治协商、民主监督、参政议政职能。"
EDITED_OLD = "二、今年的主要任务。推进高质量发展，着力加强调查研究，提高协商议政质量。"
EDITED_NEW = "二、今年的主要任务。推进高质量发展，着力加强专题调研，提高协商议政质量和实效。"
INSERTED = "（新增）关于安全生产的专题视察安排，由社会法制委员会牵头组织。"
CLOSING = "三、加强自身建设。坚持把委员队伍建设作为基础性工作来抓。"


def kinds(comparison):
    return [(row.kind, row.left_number, row.right_number) for row in comparison.rows]


def marked(segments, tag):
    return "".join(f"<{tag}>{s.text}</{tag}>" if s.changed else s.text for s in segments)


def test_a_paragraph_inserted_before_an_edited_one_does_not_take_its_place():
    """The issue's case: the old code paired the edited paragraph with the inserted one and showed
    the real edit as all-new text."""
    old = "\n".join([INTRO, EDITED_OLD, CLOSING])
    new = "\n".join([INTRO, INSERTED, EDITED_NEW, CLOSING])
    comparison = compare(old, new)
    assert kinds(comparison) == [("equal", 1, 1), ("added", None, 2), ("changed", 2, 3), ("equal", 3, 4)]
    assert comparison.marked and not comparison.over_budget
    changed = comparison.rows[2]
    assert marked(changed.left, "del") == ("二、今年的主要任务。推进高质量发展，着力加强<del>调查研究</del>，"
                                           "提高协商议政质量。")
    assert marked(changed.right, "ins") == ("二、今年的主要任务。推进高质量发展，着力加强<ins>专题调研</ins>，"
                                            "提高协商议政质量<ins>和实效</ins>。")
    assert comparison.rows[1].right[0].text == INSERTED and comparison.rows[1].right[0].changed


def test_edits_in_a_run_of_changed_paragraphs_pair_by_similarity_in_order():
    old = "\n".join(["标题", "甲段：推进乡村振兴战略，加强基层协商。", "乙段：持续完善委员履职管理制度。", "结尾"])
    new = "\n".join(["标题", "新增一段：关于文史资料征集的安排。", "甲段：推进乡村振兴战略，加强基层民主协商。",
                     "乙段：持续完善委员履职管理和考核制度。", "另一新段：附件目录。", "结尾"])
    comparison = compare(old, new)
    assert kinds(comparison) == [("equal", 1, 1), ("added", None, 2), ("changed", 2, 3), ("changed", 3, 4),
                                 ("added", None, 5), ("equal", 4, 6)]


def test_pure_insertion_and_deletion_are_shown_as_such():
    old = "\n".join([INTRO, CLOSING])
    inserted = compare(old, "\n".join([INSERTED, INTRO, EDITED_OLD, CLOSING, "附件：名单"]))
    assert kinds(inserted) == [("added", None, 1), ("equal", 1, 2), ("added", None, 3), ("equal", 2, 4),
                               ("added", None, 5)]
    assert all(row.left == () for row in inserted.rows if row.kind == "added")
    deleted = compare("\n".join([INSERTED, INTRO, EDITED_OLD, CLOSING]), old)
    assert kinds(deleted) == [("removed", 1, None), ("equal", 2, 1), ("removed", 3, None), ("equal", 4, 2)]
    assert deleted.rows[2].left[0].text == EDITED_OLD and deleted.rows[2].right == ()


def test_a_rewritten_paragraph_is_deleted_and_inserted_not_paired():
    comparison = compare("\n".join([INTRO, EDITED_OLD]), "\n".join([INTRO, INSERTED]))
    assert kinds(comparison) == [("equal", 1, 1), ("removed", 2, None), ("added", None, 2)]


def test_identical_and_empty_versions():
    same = compare(INTRO + "\n\n" + CLOSING, INTRO + "\n" + CLOSING + "\n")
    assert same.changed == 0 and kinds(same) == [("equal", 1, 1), ("equal", 2, 2)]
    assert compare("", "").rows == [] and compare(None, None).changed == 0
    assert kinds(compare("", INTRO)) == [("added", None, 1)]


def test_numbers_and_latin_words_change_as_a_whole_and_short_equal_runs_join_the_change():
    comparison = compare("全年收到提案2025件，立案率98%。", "全年收到提案2026件，立案率98%。")
    assert marked(comparison.rows[0].right, "ins") == "全年收到提案<ins>2026</ins>件，立案率98%。"
    # 我→他, 们 (equal), 要→必须: one readable change rather than three fragments
    rewritten = compare("我们要坚持发展。", "他们必须坚持发展。")
    assert marked(rewritten.rows[0].left, "del") == "<del>我们要</del>坚持发展。"
    assert marked(rewritten.rows[0].right, "ins") == "<ins>他们必须</ins>坚持发展。"


def test_marks_are_plain_text_segments_escaped_by_the_template():
    """Data, not HTML: the segments hold the raw text; the view test checks the page escapes it."""
    comparison = compare("<b>旧</b> & 原文", "<b>新</b> & 原文")
    assert "".join(s.text for s in comparison.rows[0].left) == "<b>旧</b> & 原文"


def test_character_marking_is_bounded_by_the_work_budget():
    """difflib's worst case (a long run of one repeated character): refused before it is done."""
    clause = "的" * 2_000 + "，"
    old = "\n".join(f"{i}.{clause}" for i in range(5))
    new = "\n".join(f"{i}.{clause[:1_000]}是{clause[1_000:]}" for i in range(5))
    comparison = compare(old, new)
    assert comparison.over_budget and not comparison.marked and comparison.aligned
    assert comparison.work <= DEFAULT_WORK_BUDGET
    # still the right paragraphs side by side, whole, unmarked
    assert kinds(comparison) == [("changed", i, i) for i in range(1, 6)]
    assert all(len(row.left) == 1 and not row.left[0].changed for row in comparison.rows)
    # the same edit in ordinary text is marked well inside the budget
    ordinary = compare("\n".join([INTRO] * 5), "\n".join([INTRO.replace("认真", "切实")] * 5))
    assert ordinary.marked and ordinary.work < DEFAULT_WORK_BUDGET // 100


def test_a_small_budget_gives_the_paragraph_view_with_the_same_alignment():
    old = "\n".join([INTRO, EDITED_OLD, CLOSING])
    new = "\n".join([INTRO, INSERTED, EDITED_NEW, CLOSING])
    full = compare(old, new)
    limited = compare(old, new, budget=full.work - 1)
    assert limited.over_budget and not limited.marked and limited.work < full.work
    assert kinds(limited) == kinds(full)
    assert compare(old, new, mark=False).marked is False and not compare(old, new, mark=False).over_budget


def test_paragraph_alignment_itself_stops_at_the_budget():
    """Thousands of paragraphs all alike: even difflib's paragraph matching is refused; the rows
    still list every paragraph once, as deleted and inserted."""
    old = "\n".join(["同一段"] * 3_000)
    new = "\n".join(["同一段", "另一段"] * 1_500)
    comparison = compare(old, new, budget=100_000)
    assert comparison.over_budget and not comparison.aligned and comparison.work <= 100_000
    assert sorted(r.left_number for r in comparison.rows if r.left_number) == list(range(1, 3_001))
    assert sorted(r.right_number for r in comparison.rows if r.right_number) == list(range(1, 3_001))


def _report(rng: random.Random, paragraphs: int) -> list[str]:
    words = ["协商议政", "民主监督", "调查研究", "提案办理", "委员履职", "高质量发展", "乡村振兴", "营商环境",
             "生态保护", "科技创新", "民生保障", "界别工作"]
    return [f"{n}. " + "，".join(rng.choice(words) + rng.choice(words) for _ in range(rng.randint(4, 30))) + "。"
            for n in range(paragraphs)]


def _revise(rng: random.Random, old: list[str]) -> list[str]:
    new = []
    for paragraph in old:
        roll = rng.random()
        if roll < 0.05:
            new += [f"新增段落{rng.random()}：专题协商安排。", paragraph.replace("，", "，进一步", 1)]
        elif roll < 0.08:
            continue
        elif roll < 0.2:
            new.append(paragraph.replace("，", "，切实", 1))
        else:
            new.append(paragraph)
    return new


def test_work_grows_with_the_changes_not_with_the_square_of_the_text():
    rng = random.Random(3)
    works = []
    for size in (500, 1_000, 2_000):
        old = _report(rng, size)
        comparison = compare("\n".join(old), "\n".join(_revise(rng, old)))
        assert comparison.marked and comparison.changed > size // 10
        works.append(comparison.work)
    assert works[2] < DEFAULT_WORK_BUDGET // 5
    assert works[1] < 3 * works[0] and works[2] < 3 * works[1]


def test_the_budgeted_matcher_gives_difflibs_answer_and_counts_its_inner_loop():
    budget = WorkBudget(10**9)
    a, b = list("abcabba"), list("cbabac")
    assert _opcodes(a, b, budget) == difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    assert budget.spent >= len(a) + len(b)
    refused = WorkBudget(1_000)
    with pytest.raises(WorkBudgetExceeded):
        _opcodes(list("的" * 300), list("的" * 300), refused)
    assert refused.spent <= 1_000


# ── the page ────────────────────────────────────────────────────────────────────────────────────
def two_versions(role_users, document, first: str, second: str) -> None:
    factories.add_text_version(queries.document_for_action(document.id), role_users["staff"], first)
    db.session.commit()
    services.decide(role_users["group_lead"], queries.document_for_action(document.id), Decision.RETURN,
                    comment="请修改")
    db.session.commit()
    factories.add_text_version(queries.document_for_action(document.id), role_users["staff"], second)
    db.session.commit()


def test_diff_page_shows_the_insertion_and_the_marked_edit(client, login, role_users, review):
    two_versions(role_users, review, "\n".join([INTRO, EDITED_OLD, CLOSING]),
                 "\n".join([INTRO, INSERTED, EDITED_NEW, CLOSING]))
    login(role_users["leader"])
    body = client.get(f"/documents/{review.id}/diff?a=1&b=2").get_data(as_text=True)
    assert "修改 1 段，新增 1 段，删除 0 段" in body
    assert '<tr class="diff-added">' in body and body.count('<tr class="diff-changed">') == 1
    assert "着力加强<del>调查研究</del>，" in body and "提高协商议政质量<ins>和实效</ins>。" in body
    assert "data-diff-over-budget" not in body
    paragraph_view = client.get(f"/documents/{review.id}/diff?a=1&b=2&view=paragraphs").get_data(as_text=True)
    assert "<ins>和实效</ins>" not in paragraph_view and EDITED_NEW in paragraph_view
    assert '<tr class="diff-changed">' in paragraph_view and "data-diff-over-budget" not in paragraph_view


def test_diff_over_budget_says_so_in_chinese_and_shows_the_paragraph_view(app, client, login, role_users, review):
    old, new = "\n".join([INTRO, EDITED_OLD, CLOSING]), "\n".join([INTRO, INSERTED, EDITED_NEW, CLOSING])
    two_versions(role_users, review, old, new)
    app.config["DIFF_WORK_BUDGET"] = compare(old, new, mark=False).work  # enough to align, not to mark
    login(role_users["staff"])
    response = client.get(f"/documents/{review.id}/diff?a=1&b=2")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "逐字标注会超出一次比对的工作量上限" in body and "按段落对照" in body
    assert f"/documents/{review.id}/diff?a=1&amp;b=2&amp;view=paragraphs" in body
    # the edited paragraph beside its old self, whole and unmarked; the inserted one still as inserted
    assert f"<td>{EDITED_OLD}</td>" in body and f"<td>{EDITED_NEW}</td>" in body
    assert f'<td class="num">2</td><td><ins>{INSERTED}</ins></td>' in body
    app.config["DIFF_WORK_BUDGET"] = 10  # not even enough to align: said too
    body = client.get(f"/documents/{review.id}/diff?a=1&b=2").get_data(as_text=True)
    assert "两个版本差异过大" in body and '<tr class="diff-removed">' in body


def test_diff_of_a_version_with_itself_says_so(client, login, role_users, review):
    two_versions(role_users, review, INTRO, CLOSING)
    login(role_users["secretariat"])
    response = client.get(f"/documents/{review.id}/diff?a=2&b=2")
    assert response.status_code == 400
    assert "选择的是同一个版本（第2稿）" in response.get_data(as_text=True)
    assert "diff-table" not in response.get_data(as_text=True)


def test_identical_texts_say_so(client, login, role_users, review):
    two_versions(role_users, review, INTRO, INTRO + "\n")
    login(role_users["secretariat"])
    assert "两个版本的文字相同" in client.get(f"/documents/{review.id}/diff").get_data(as_text=True)


def test_diff_page_escapes_the_text_before_marking_it(client, login, role_users, review):
    two_versions(role_users, review, "<script>alert(1)</script>原文 & 附件",
                 "<script>alert(2)</script>原文 & 附件<img src=x onerror=alert(3)>")
    login(role_users["secretariat"])
    body = client.get(f"/documents/{review.id}/diff?a=1&b=2").get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(<del>1</del>)&lt;/script&gt;原文 &amp; 附件" in body
    assert "<ins>&lt;img src=x onerror=alert(3)&gt;</ins>" in body


# ── properties ──────────────────────────────────────────────────────────────────────────────────
paragraph_lists = st.lists(st.text(alphabet="的是发展协商，。、ab12 <&", max_size=30), max_size=12)


@settings(max_examples=300, deadline=None)
@given(old=paragraph_lists, new=paragraph_lists, budget=st.sampled_from([0, 50, 500, DEFAULT_WORK_BUDGET]),
       mark=st.booleans())
def test_every_paragraph_is_shown_once_in_order_and_the_budget_holds(old, new, budget, mark):
    old_text, new_text = "\n".join(old), "\n".join(new)
    comparison = compare(old_text, new_text, mark=mark, budget=budget)
    for side, numbers, expected in (("left", "left_number", paragraphs(old_text)),
                                    ("right", "right_number", paragraphs(new_text))):
        shown = [(getattr(row, numbers), "".join(s.text for s in getattr(row, side)))
                 for row in comparison.rows if getattr(row, numbers) is not None]
        assert shown == list(enumerate(expected, start=1))
    for row in comparison.rows:
        left, right = "".join(s.text for s in row.left), "".join(s.text for s in row.right)
        assert (row.kind == "equal") == (row.left_number is not None and row.right_number is not None
                                         and left == right)
        for segments in (row.left, row.right):
            assert all(s.text for s in segments)
            assert all(a.changed != b.changed for a, b in itertools.pairwise(segments))
    assert comparison.work <= budget
    assert comparison.marked == (mark and not comparison.over_budget)
