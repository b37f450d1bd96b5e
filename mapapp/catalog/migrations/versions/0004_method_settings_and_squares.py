"""territory method settings; population points keep their square

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

``territory.method``: the territory's method settings (access legs per mode,
maxspeed factor, placement of the squares' population; JSON, NULL = defaults,
see mapapp.method). ``population_point.square_id`` / ``square_wkb``: the
INSEE square a point stands for (identifier and WGS84 polygon), so that
``mapapp compute`` can place its inhabitants on the square's roads and results
name the square (issue 10 §3).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('territory', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.JSON(), nullable=True))
    with op.batch_alter_table('population_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('square_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('square_wkb', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('population_point', schema=None) as batch_op:
        batch_op.drop_column('square_wkb')
        batch_op.drop_column('square_id')
    with op.batch_alter_table('territory', schema=None) as batch_op:
        batch_op.drop_column('method')
