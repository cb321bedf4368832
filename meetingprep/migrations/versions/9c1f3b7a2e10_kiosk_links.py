"""kiosk links: signed, revocable read-only links for the wall screen

Revision ID: 9c1f3b7a2e10
Revises: 5d0a7c3e91b2
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import meetingprep.db


# revision identifiers, used by Alembic.
revision = '9c1f3b7a2e10'
down_revision = '5d0a7c3e91b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosk_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_kiosk_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_kiosk_links_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_kiosk_links_revoked_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_links'))
    )
    with op.batch_alter_table('kiosk_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_links_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kiosk_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_links_meeting_id'))

    op.drop_table('kiosk_links')
