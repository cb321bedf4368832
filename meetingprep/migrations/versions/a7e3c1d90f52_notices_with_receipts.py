"""notices with read receipts (通知公告, #20); SMS deliveries; notifications may carry deliveries for people without an account

Revision ID: a7e3c1d90f52
Revises: 609595237700
Create Date: 2026-12-07 14:10:00

"""
from alembic import op
import sqlalchemy as sa

import meetingprep.db


# revision identifiers, used by Alembic.
revision = 'a7e3c1d90f52'
down_revision = '609595237700'
branch_labels = None
depends_on = None


def upgrade():
    # A member on the roster without an account can be told by SMS: their message has no inbox to sit in.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=True)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('discipline', 'schedule', 'registration', 'general', name='noticecategory', native_enum=False, length=24), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=500), nullable=False),
    sa.Column('send_email', sa.Boolean(), nullable=False),
    sa.Column('send_sms', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'sent', 'cancelled', name='noticestatus', native_enum=False, length=24), nullable=False),
    sa.Column('send_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('remind_after_hours', sa.Integer(), nullable=True),
    sa.Column('remind_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_notices_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_notices_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_meeting_id_id', ['meeting_id', 'id'], unique=False)
        batch_op.create_index('ix_notices_remind_at', ['remind_at'], unique=False)
        batch_op.create_index('ix_notices_status_send_at', ['status', 'send_at'], unique=False)

    op.create_table('notice_scopes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('all_members', 'standing', 'sector', 'discussion_group', 'sitting', 'all_staff', 'working_group', name='scopekind', native_enum=False, length=24), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('ref_text', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_scopes_notice_id_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_scopes'))
    )
    with op.batch_alter_table('notice_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_scopes_notice_id'), ['notice_id'], unique=False)

    op.create_table('notice_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('is_member', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('affiliation', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('read_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminder_notification_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member_profiles.id'], name=op.f('fk_notice_recipients_member_id_member_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_recipients_notice_id_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notice_recipients_notification_id_notifications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reminder_notification_id'], ['notifications.id'], name=op.f('fk_notice_recipients_reminder_notification_id_notifications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_recipients_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_recipients')),
    sa.UniqueConstraint('notice_id', 'person_key', name=op.f('uq_notice_recipients_notice_id_person_key'))
    )
    with op.batch_alter_table('notice_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_recipients_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_notice_recipients_notice_id_read_at', ['notice_id', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_recipients_notification_id'), ['notification_id'], unique=False)
        batch_op.create_index('ix_notice_recipients_user_id_notice_id', ['user_id', 'notice_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notice_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_recipients_user_id_notice_id')
        batch_op.drop_index(batch_op.f('ix_notice_recipients_notification_id'))
        batch_op.drop_index('ix_notice_recipients_notice_id_read_at')
        batch_op.drop_index(batch_op.f('ix_notice_recipients_member_id'))

    op.drop_table('notice_recipients')
    with op.batch_alter_table('notice_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_scopes_notice_id'))

    op.drop_table('notice_scopes')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_status_send_at')
        batch_op.drop_index('ix_notices_remind_at')
        batch_op.drop_index('ix_notices_meeting_id_id')

    op.drop_table('notices')
    # Messages without a recipient (SMS to people without an account) cannot stay: the column is NOT NULL again.
    op.execute("DELETE FROM notifications WHERE recipient_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=False)
