"""leaders' instructions (领导批示: receipts, replies) and 督办 (task supervisions) (#20)

Revision ID: a7e3c19d5b20
Revises: 3e7b1c9d5a20
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa

import meetingprep.db


# revision identifiers, used by Alembic.
revision = 'a7e3c19d5b20'
down_revision = '3e7b1c9d5a20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('instructions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(task_id IS NULL) <> (document_id IS NULL)', name=op.f('ck_instructions_one_target')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_instructions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_instructions_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_instructions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_instructions_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructions'))
    )
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.create_index('ix_instructions_document_id_id', ['document_id', 'id'], unique=False)
        batch_op.create_index('ix_instructions_meeting_id_id', ['meeting_id', 'id'], unique=False)
        batch_op.create_index('ix_instructions_task_id_id', ['task_id', 'id'], unique=False)

    op.create_table('task_supervisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_task_supervisions_leader_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_task_supervisions_marked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_task_supervisions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_supervisions_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_supervisions')),
    sa.UniqueConstraint('task_id', name=op.f('uq_task_supervisions_task_id'))
    )
    with op.batch_alter_table('task_supervisions', schema=None) as batch_op:
        batch_op.create_index('ix_task_supervisions_meeting_id', ['meeting_id'], unique=False)

    op.create_table('instruction_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('owner', 'drafter', 'lead', name='recipientrole', native_enum=False, length=24), nullable=False),
    sa.Column('read_at', meetingprep.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instruction_id'], ['instructions.id'], name=op.f('fk_instruction_receipts_instruction_id_instructions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_instruction_receipts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_receipts')),
    sa.UniqueConstraint('instruction_id', 'user_id', name=op.f('uq_instruction_receipts_instruction_id_user_id'))
    )
    with op.batch_alter_table('instruction_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_instruction_receipts_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table('instruction_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', meetingprep.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_instruction_replies_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instruction_id'], ['instructions.id'], name=op.f('fk_instruction_replies_instruction_id_instructions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_replies'))
    )
    with op.batch_alter_table('instruction_replies', schema=None) as batch_op:
        batch_op.create_index('ix_instruction_replies_instruction_id_id', ['instruction_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('instruction_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_instruction_replies_instruction_id_id')
    op.drop_table('instruction_replies')
    with op.batch_alter_table('instruction_receipts', schema=None) as batch_op:
        batch_op.drop_index('ix_instruction_receipts_user_id_read_at')
    op.drop_table('instruction_receipts')
    with op.batch_alter_table('task_supervisions', schema=None) as batch_op:
        batch_op.drop_index('ix_task_supervisions_meeting_id')
    op.drop_table('task_supervisions')
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.drop_index('ix_instructions_task_id_id')
        batch_op.drop_index('ix_instructions_meeting_id_id')
        batch_op.drop_index('ix_instructions_document_id_id')
    op.drop_table('instructions')
