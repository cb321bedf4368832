"""following up who is missing (#20): absence follow-ups, leave approvers, and what a member's schedule shows
(座区, a sitting's seating and what to bring, an agenda item's discussion group)

Revision ID: a7e3c2d91f04
Revises: a7e3c1d90f52
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa

import meetingprep.db


# revision identifiers, used by Alembic.
revision = 'a7e3c2d91f04'
down_revision = 'a7e3c1d90f52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('absence_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('member_no', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('created_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Enum('contacted', 'excused', 'unexcused', name='followupoutcome', native_enum=False, length=24), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('resolved_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_absence_follow_ups_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member_profiles.id'], name=op.f('fk_absence_follow_ups_member_id_member_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_absence_follow_ups_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_absence_follow_ups_sitting_id_sittings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence_follow_ups')),
    sa.UniqueConstraint('sitting_id', 'member_no', name=op.f('uq_absence_follow_ups_sitting_id_member_no'))
    )
    with op.batch_alter_table('absence_follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_absence_follow_ups_meeting_id_resolved_at', ['meeting_id', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_follow_ups_member_id'), ['member_id'], unique=False)

    op.create_table('leave_approvers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_leave_approvers_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_leave_approvers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_approvers')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_leave_approvers_meeting_id_user_id'))
    )
    with op.batch_alter_table('leave_approvers', schema=None) as batch_op:
        batch_op.create_index('ix_leave_approvers_user_id', ['user_id'], unique=False)

    with op.batch_alter_table('member_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seat_area', sa.String(length=40), server_default='', nullable=False))

    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('bring_note', sa.String(length=500), server_default='', nullable=False))

    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discussion_group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_agenda_items_discussion_group_id'), ['discussion_group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_agenda_items_discussion_group_id_discussion_groups'),
                                    'discussion_groups', ['discussion_group_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agenda_items_discussion_group_id_discussion_groups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_agenda_items_discussion_group_id'))
        batch_op.drop_column('discussion_group_id')

    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.drop_column('bring_note')
        batch_op.drop_column('seated')

    with op.batch_alter_table('member_profiles', schema=None) as batch_op:
        batch_op.drop_column('seat_area')

    with op.batch_alter_table('leave_approvers', schema=None) as batch_op:
        batch_op.drop_index('ix_leave_approvers_user_id')

    op.drop_table('leave_approvers')
    with op.batch_alter_table('absence_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_follow_ups_member_id'))
        batch_op.drop_index('ix_absence_follow_ups_meeting_id_resolved_at')

    op.drop_table('absence_follow_ups')
