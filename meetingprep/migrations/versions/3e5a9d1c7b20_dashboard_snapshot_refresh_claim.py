"""dashboard snapshots: one worker recomputes stale figures (refresh_claimed_at)

Revision ID: 3e5a9d1c7b20
Revises: 9c1f3b7a2e10
Create Date: 2026-12-07 14:20:00

"""
from alembic import op
import sqlalchemy as sa

import meetingprep.db


# revision identifiers, used by Alembic.
revision = '3e5a9d1c7b20'
down_revision = '9c1f3b7a2e10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dashboard_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refresh_claimed_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('dashboard_snapshots', schema=None) as batch_op:
        batch_op.drop_column('refresh_claimed_at')
