"""委员履职: each member's record at a meeting — sittings (expected, attended, leave, absent, late), speeches
submitted and what became of them, opinions raised in the group discussions — with aggregates per 界别 and
讨论组, the 常委 view, and the comparison of this meeting with earlier ones held in the installation."""
