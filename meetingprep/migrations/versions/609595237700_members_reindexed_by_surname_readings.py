"""members re-indexed by their surname readings: 曾芳峰 is found by "zff" as well as "cff"

Revision ID: 609595237700
Revises: 92c524c48c1a
Create Date: 2026-12-07 14:20:00

Members are indexed for the desk's search when they are created or edited (attendance/names.py). Those
stored before polyphonic surnames were indexed under their surname reading kept the character's common
reading only. This recomputes every member's keys with the rule in force and writes those that differ:
run again, it changes nothing. No schema change; a downgrade leaves the better index in place.
"""
from alembic import op
import sqlalchemy as sa

from meetingprep.attendance.names import pinyin_keys


# revision identifiers, used by Alembic.
revision = '609595237700'
down_revision = '92c524c48c1a'
branch_labels = None
depends_on = None

members = sa.table("member_profiles", sa.column("id", sa.Integer), sa.column("name", sa.String),
                   sa.column("pinyin", sa.String), sa.column("initials", sa.String))


def reindex(connection) -> int:
    """Members whose stored keys are not what ``pinyin_keys`` gives now get the new keys; their number."""
    changed = [{"member_id": member_id, "new_pinyin": keys[0], "new_initials": keys[1]}
               for member_id, name, pinyin, initials in connection.execute(
                   sa.select(members.c.id, members.c.name, members.c.pinyin, members.c.initials))
               if (keys := pinyin_keys(name)) != (pinyin, initials)]
    if changed:
        connection.execute(members.update().where(members.c.id == sa.bindparam("member_id"))
                           .values(pinyin=sa.bindparam("new_pinyin"), initials=sa.bindparam("new_initials")),
                           changed)
    return len(changed)


def upgrade():
    reindex(op.get_bind())


def downgrade():
    pass
