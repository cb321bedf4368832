"""hand-offs: the model is HandOff (table task_dependencies kept); its audit entries follow the new name

Revision ID: 5d0a7c3e91b2
Revises: 5cd24118d004
Create Date: 2026-12-07 11:40:00

The audit trail names an object by its model class. The class TaskDependency is now HandOff (the domain's
word, 衔接); the table keeps its name, so only the trail's type names move, and the trail of a hand-off made
before the rename still reads as one.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d0a7c3e91b2'
down_revision = '5cd24118d004'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE audit_entries SET object_type = 'HandOff' WHERE object_type = 'TaskDependency'")


def downgrade():
    op.execute("UPDATE audit_entries SET object_type = 'TaskDependency' WHERE object_type = 'HandOff'")
