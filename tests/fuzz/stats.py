"""The wall's figures for the run (routes, examples, answers by class, 5xx), printed by tests/fuzz/conftest.py."""

from __future__ import annotations

from collections import Counter


class Stats:
    def __init__(self):
        self.answers: Counter[str] = Counter()
        self.routes: set[str] = set()
        self.failed_routes: dict[str, int] = {}

    def count(self, endpoint: str, status: int) -> None:
        self.answers[f"{status // 100}xx"] += 1
        self.routes.add(endpoint)

    def route_done(self, endpoint: str, failures: list[str]) -> None:
        self.routes.add(endpoint)
        if failures:
            self.failed_routes[endpoint] = len(failures)

    def lines(self) -> list[str]:
        total = sum(self.answers.values())
        by_class = ", ".join(f"{key}: {value}" for key, value in sorted(self.answers.items()))
        lines = [f"routes fuzzed: {len(self.routes)}; requests: {total} ({by_class})"]
        if self.failed_routes:
            failed = sorted(self.failed_routes.items())
            lines.append("routes with failures: " + ", ".join(f"{name} ({count})" for name, count in failed))
        return lines


STATS = Stats()
