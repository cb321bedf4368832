"""discussion opinions and their recorders (分组讨论意见, #21)

Revision ID: 3e7b1c9d5a20
Revises: a7e3c91d5b20
Create Date: 2026-12-07 14:20:00

"""
from alembic import op
import sqlalchemy as sa

import meetingprep.db


# revision identifiers, used by Alembic.
revision = '3e7b1c9d5a20'
down_revision = 'a7e3c91d5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('discussion_recorders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('discussion_group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['discussion_group_id'], ['discussion_groups.id'], name=op.f('fk_discussion_recorders_discussion_group_id_discussion_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_discussion_recorders_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_recorders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_recorders')),
    sa.UniqueConstraint('discussion_group_id', 'user_id', name=op.f('uq_discussion_recorders_discussion_group_id_user_id'))
    )
    with op.batch_alter_table('discussion_recorders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_recorders_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_discussion_recorders_user_id', ['user_id'], unique=False)

    op.create_table('discussion_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('discussion_group_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('member_name', sa.String(length=40), nullable=False),
    sa.Column('doc_version_id', sa.Integer(), nullable=False),
    sa.Column('paragraph_number', sa.Integer(), nullable=True),
    sa.Column('paragraph_text', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('response', sa.Enum('adopted', 'partly', 'declined', 'explained', name='opinionresponse', native_enum=False, length=24), nullable=True),
    sa.Column('response_note', sa.Text(), nullable=False),
    sa.Column('response_version_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_discussion_opinions_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['discussion_group_id'], ['discussion_groups.id'], name=op.f('fk_discussion_opinions_discussion_group_id_discussion_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['doc_version_id'], ['document_versions.id'], name=op.f('fk_discussion_opinions_doc_version_id_document_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_discussion_opinions_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_discussion_opinions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member_profiles.id'], name=op.f('fk_discussion_opinions_member_id_member_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_discussion_opinions_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_version_id'], ['document_versions.id'], name=op.f('fk_discussion_opinions_response_version_id_document_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_opinions'))
    )
    with op.batch_alter_table('discussion_opinions', schema=None) as batch_op:
        batch_op.create_index('ix_discussion_opinions_discussion_group_id', ['discussion_group_id'], unique=False)
        batch_op.create_index('ix_discussion_opinions_document_id_id', ['document_id', 'id'], unique=False)
        batch_op.create_index('ix_discussion_opinions_meeting_id_response', ['meeting_id', 'response'], unique=False)
        batch_op.create_index('ix_discussion_opinions_member_id', ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('discussion_opinions', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_opinions_member_id')
        batch_op.drop_index('ix_discussion_opinions_meeting_id_response')
        batch_op.drop_index('ix_discussion_opinions_document_id_id')
        batch_op.drop_index('ix_discussion_opinions_discussion_group_id')

    op.drop_table('discussion_opinions')
    with op.batch_alter_table('discussion_recorders', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_recorders_user_id')
        batch_op.drop_index(batch_op.f('ix_discussion_recorders_meeting_id'))

    op.drop_table('discussion_recorders')
