"""meeting archives: a meeting can be archived (closed, read-only) and its bundles are built in the background

Revision ID: a7e3c91d5b20
Revises: a7e3c2d91f04
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import meetingprep.db


# revision identifiers, used by Alembic.
revision = 'a7e3c91d5b20'
down_revision = 'a7e3c2d91f04'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, never a batch rebuild: on SQLite dropping the old ``meetings`` would cascade to every
    # row of every meeting (which is also why the archiving person is in the audit trail, not a foreign key here).
    op.add_column('meetings', sa.Column('closed_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True))

    op.create_table('meeting_archives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='archivestatus', native_enum=False,
                                length=24), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=200), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_archives_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_meeting_archives_requested_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_archives'))
    )
    with op.batch_alter_table('meeting_archives', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_archives_meeting_id_id', ['meeting_id', 'id'], unique=False)
        batch_op.create_index('ix_meeting_archives_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('meeting_archives', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_archives_status')
        batch_op.drop_index('ix_meeting_archives_meeting_id_id')

    op.drop_table('meeting_archives')
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+: no table rebuild (it would cascade to every child)
        op.execute("ALTER TABLE meetings DROP COLUMN closed_at")
    else:
        op.drop_column('meetings', 'closed_at')
