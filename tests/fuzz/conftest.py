from tests.fuzz.stats import STATS


def pytest_terminal_summary(terminalreporter):
    if STATS.routes:
        terminalreporter.section("fuzz wall")
        for line in STATS.lines():
            terminalreporter.write_line(line)
