from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from meetingprep.auth.models import User
from meetingprep.groups.models import WorkingGroup
from meetingprep.meetings.models import Meeting

SCALE_FACTORS = {"small": 1, "large": 60}
SCALES = tuple(SCALE_FACTORS)


@dataclass
class DemoContext:
    """What the core demo built, handed to every domain seeder.

    ``groups`` by Chinese name (秘书组, 会务组, 材料组, 提案组, 宣传组, 安全保卫组, 后勤保障组, 医疗卫生组);
    ``users`` by username; ``staff_by_group`` lists each group's users (lead first);
    ``member_users`` are the accounts with role member (committee members who log in).
    ``factor`` multiplies counts at the large scale (1 at small). Use ``rng`` for every random
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
