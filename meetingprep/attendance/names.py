"""How members are found by the letters people type at a desk: the pinyin keys of a name.

One home for the rule, kept free of Flask and the database: the roster's services index new and edited
members with it, and the migration that re-indexes members stored under an older rule calls the same function.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

#: Surnames read otherwise than the character's common reading (曾 is zēng as a surname, not céng), longest
#: first. A name starting with one is indexed under both readings: people type either.
SURNAME_READINGS = (
    ("尉迟", "yu chi"), ("万俟", "mo qi"), ("单于", "chan yu"), ("长孙", "zhang sun"), ("澹台", "tan tai"),
    ("曾", "zeng"), ("单", "shan"), ("仇", "qiu"), ("解", "xie"), ("区", "ou"), ("查", "zha"), ("朴", "piao"),
    ("缪", "miao"), ("覃", "qin"), ("盖", "ge"), ("员", "yun"), ("乐", "yue"), ("秘", "bi"), ("种", "chong"),
    ("召", "shao"), ("翟", "zhai"), ("祭", "zhai"), ("谌", "chen"), ("隗", "wei"), ("繁", "po"), ("句", "gou"),
    ("折", "she"), ("都", "du"), ("能", "nai"), ("宓", "fu"), ("阚", "kan"), ("柏", "bai"), ("厍", "she"),
)


def _syllables(text: str, style=Style.NORMAL) -> list[str]:
    return [part.lower() for part in lazy_pinyin(text, style=style, errors="ignore") if part.isascii()]


def pinyin_keys(name: str) -> tuple[str, str]:
    """("zhangsan", "zs") for 张三: what the desk matches typed letters against. A polyphonic surname gives
    both readings, the surname's first, space-separated: ("zengfangfeng cengfangfeng", "zff cff") for 曾芳峰."""
    readings = [_syllables(name)]
    for surname, reading in SURNAME_READINGS:
        if name.startswith(surname):
            readings.insert(0, reading.split() + _syllables(name[len(surname):]))
            break
    keys = list(dict.fromkeys("".join(syllables) for syllables in readings if syllables))
    initials = list(dict.fromkeys("".join(part[0] for part in syllables) for syllables in readings if syllables))
    return " ".join(keys)[:160], " ".join(initials)[:40]
