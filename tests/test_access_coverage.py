"""Every route of the application is in some module's route × role table."""

import importlib
from pathlib import Path

IGNORED = {"static", "bootstrap.static"}


def covered_endpoints() -> set[str]:
    covered: set[str] = set()
    tests_dir = Path(__file__).parent
    for path in tests_dir.rglob("test_access.py"):
        module_name = ".".join(path.relative_to(tests_dir.parent).with_suffix("").parts)
        module = importlib.import_module(module_name)
        covered |= set(getattr(module, "ENDPOINTS", set()))
    return covered


def test_every_route_has_an_access_table(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    missing = sorted(routes - covered_endpoints())
    assert not missing, f"routes with no route × role table: {missing}"


