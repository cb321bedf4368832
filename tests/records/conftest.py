"""Members' records are read over the discussion world of tests/opinions (two groups, three members, the report)."""

from tests.opinions.conftest import world  # noqa: F401 — the shared fixture
