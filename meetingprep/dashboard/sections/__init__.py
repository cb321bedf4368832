"""The dashboard's sections, in page order: one module each, exposing ``SECTION``.

The documents and attendance sections belong to domains built on other branches. Until their
package is installed the dashboard shows a placeholder; once it is, the module named here must
exist (``sections/documents.py``, ``sections/attendance.py``) — a missing one fails loudly on the
first dashboard request rather than silently dropping figures leaders rely on.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache

from meetingprep.dashboard.core import Section

#: 会中 (``session``) comes first: while the meeting sits the dashboard opens on it; otherwise it is hidden.
ORDER = ("session", "overview", "groups", "risk", "critical_path", "documents", "attendance", "burndown", "activity",
         "comparison")

#: section module → (domain package it needs, title, placeholder text while that package is absent)
OPTIONAL = {
    "documents": ("meetingprep.documents", "材料审核", "（材料审核模块接入后显示）"),
    "attendance": ("meetingprep.attendance", "报到与出席", "（报到考勤模块接入后显示）"),
    "session": ("meetingprep.agenda", "会中", "（议程与报到考勤模块接入后显示）"),
}


def _placeholder(key: str, title: str, message: str) -> Section:
    return Section(key=key, title=title, template="dashboard/_placeholder.html",
                   compute=lambda _ctx: {"available": False, "message": message}, on_wall=False)


def _load(name: str) -> Section:
    if name in OPTIONAL:
        package, title, message = OPTIONAL[name]
        if importlib.util.find_spec(package) is None:
            return _placeholder(name, title, message)
    try:
        module = importlib.import_module(f"meetingprep.dashboard.sections.{name}")
    except ModuleNotFoundError as missing:
        raise RuntimeError(f"dashboard section module meetingprep/dashboard/sections/{name}.py is missing "
                           f"(see docs/dashboard.md)") from missing
    return module.SECTION


@cache
def sections() -> tuple[Section, ...]:
    return tuple(_load(name) for name in ORDER)
