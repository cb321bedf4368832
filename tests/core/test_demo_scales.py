"""The demo's scale table: explicit sizes for the benchmark scales, the small defaults otherwise."""

from __future__ import annotations

import random

import pytest

from meetingprep.demo import progress_steps
from meetingprep.demo.context import SCALES, DemoContext


def context(scale: str) -> DemoContext:
    return DemoContext(meeting=None, scale=scale, rng=random.Random(1), now=None)


def test_small_uses_each_seeders_own_default():
    assert context("small").target("tasks", 79) == 79
    assert context("small").target("sittings", 8) == 8


@pytest.mark.parametrize("scale", ["large", "xl"])
def test_benchmark_scales_name_their_sizes(scale):
    ctx = context(scale)
    assert (ctx.target("groups", 8), ctx.target("members", 300), ctx.target("tasks", 79)) == (60, 3000, 20000)
    assert (ctx.target("documents", 33), ctx.target("versions", 165), ctx.target("sittings", 8)) == (2000, 10000, 40)
    assert ctx.target("not-in-the-table", 5) == 5 * ctx.factor  # anything else still grows with the scale


def test_xl_adds_earlier_sessions_and_the_progress_bar_counts_them():
    assert SCALES["xl"]["meetings"] == 10 and SCALES["large"]["meetings"] == 1
    assert progress_steps("xl") == progress_steps("large") + 9
