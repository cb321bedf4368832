"""one data version for every cache; dashboard snapshots keep figures only

The data version (meetingprep/data_version.py) replaces the newest audit id as what caches are checked
against. Stored snapshots are derived data: they are dropped and computed again at the new version.

Revision ID: 5da946015e87
Revises: 4cee0b4fbc22
Create Date: 2026-12-07 10:45:53.954741

"""
from alembic import op
import sqlalchemy as sa

import meetingprep.db


# revision identifiers, used by Alembic.
revision = '5da946015e87'
down_revision = '4cee0b4fbc22'
branch_labels = None
depends_on = None


def upgrade():
    data_version = op.create_table('data_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(data_version, [{'id': 1, 'version': 1}])
    op.execute('DELETE FROM dashboard_snapshots')
    with op.batch_alter_table('dashboard_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.BigInteger(), nullable=False))
        batch_op.drop_column('audit_high_water')
        batch_op.drop_column('api_json')
        batch_op.drop_column('wall_html')
        batch_op.drop_column('page_html')



def downgrade():
    op.execute('DELETE FROM dashboard_snapshots')
    with op.batch_alter_table('dashboard_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_html', sa.TEXT(), nullable=False))
        batch_op.add_column(sa.Column('wall_html', sa.TEXT(), nullable=False))
        batch_op.add_column(sa.Column('api_json', sa.TEXT(), nullable=False))
        batch_op.add_column(sa.Column('audit_high_water', sa.INTEGER(), nullable=False))
        batch_op.drop_column('data_version')

    op.drop_table('data_version')
