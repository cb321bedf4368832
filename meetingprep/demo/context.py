from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from meetingprep.auth.models import User
from meetingprep.groups.models import WorkingGroup
from meetingprep.meetings.models import Meeting

#: Explicit sizes per scale, so a benchmark names what it measured. A quantity missing here is
#: ``default_small × factor`` (see DemoContext.target). ``meetings`` > 1 adds earlier sessions whose
#: tasks share the tables with the current meeting's (the xl scale: 200,000 tasks over ten meetings).
SCALES: dict[str, dict[str, int]] = {
    "small": {},
    "large": {"groups": 60, "members": 3000, "tasks": 20000, "documents": 2000, "versions": 10000,
              "sittings": 40, "meetings": 1},
    "xl": {"groups": 60, "members": 3000, "tasks": 20000, "documents": 2000, "versions": 10000,
           "sittings": 40, "meetings": 10},
}
SCALE_FACTORS = {"small": 1, "large": 60, "xl": 60}


@dataclass
class DemoContext:
    """What the core demo built, handed to every domain seeder.

    ``groups`` by Chinese name (秘书组, 会务组, 材料组, 提案组, 宣传组, 安全保卫组, 后勤保障组, 医疗卫生组;
    at the large scales also the 界别联络组 up to ``target("groups")``); ``users`` by username;
    ``staff_by_group`` lists each group's users (lead first);
    ``member_users`` are the accounts with role member (committee members who log in).
    Size what you seed with ``ctx.target(name, default_small)``. Use ``rng`` for every random
    choice so the demo is the same each time; use ``now`` as the present.
    """

    meeting: Meeting
    scale: str
    rng: random.Random
    now: dt.datetime
    groups: dict[str, WorkingGroup] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    staff_by_group: dict[str, list[User]] = field(default_factory=dict)
    secretariat: list[User] = field(default_factory=list)
    leaders: list[User] = field(default_factory=list)
    member_users: list[User] = field(default_factory=list)
    progress: Callable[[str], None] = lambda _label: None

    @property
    def factor(self) -> int:
        return SCALE_FACTORS[self.scale]

    def target(self, name: str, default_small: int) -> int:
        """How many ``name`` (tasks, documents, versions, sittings …) to create at this scale."""
        return SCALES[self.scale].get(name, default_small * (1 if self.scale == "small" else self.factor))
