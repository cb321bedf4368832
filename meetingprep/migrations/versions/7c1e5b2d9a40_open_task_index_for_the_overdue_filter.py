"""open-task index for the ledger's overdue and open filters

Revision ID: 7c1e5b2d9a40
Revises: 2e71dd606c48
Create Date: 2026-11-26 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5b2d9a40'
down_revision = '2e71dd606c48'
branch_labels = None
depends_on = None

# as meetingprep.tasks.models.OPEN_PREDICATE spells it (written out: a migration must not change later)
OPEN_PREDICATE = "status IN ('not_started', 'in_progress', 'submitted', 'returned')"


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_open_meeting_id_due_at_id', ['meeting_id', 'due_at', 'id'], unique=False,
                              sqlite_where=sa.text(OPEN_PREDICATE), postgresql_where=sa.text(OPEN_PREDICATE))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE")  # statistics for the new index at once (job db.statistics renews them)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_meeting_id_due_at_id')
