"""sitting totals: a closed sitting's counts in one row, beside its tallies per sector and group

Revision ID: 5b1e7c0a9d42
Revises: a7e3c19d5b20
Create Date: 2026-12-07 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c0a9d42'
down_revision = 'a7e3c19d5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sitting_totals',
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('leave', sa.Integer(), nullable=False),
    sa.Column('absent', sa.Integer(), nullable=False),
    sa.Column('extra', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_sitting_totals_sitting_id_sittings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sitting_id', name=op.f('pk_sitting_totals'))
    )
    # Totals for the rolls tallied before this revision (later ones are written with their tallies).
    op.execute("""
        INSERT INTO sitting_totals (sitting_id, expected, present, late, leave, absent, extra)
        SELECT sitting_id, SUM(expected), SUM(present), SUM(late), SUM(leave), SUM(absent), SUM(extra)
        FROM sitting_tallies GROUP BY sitting_id""")


def downgrade():
    op.drop_table('sitting_totals')
