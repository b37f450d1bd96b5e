"""needs (aggregated counts under statistical secrecy), reference values, capacities

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

``need_series`` / ``need_count``: aggregated need counts per commune or square,
per indicator and year, secret counts stored as NULL (issue 16 §3).
``reference_value``: reference figures (France, région, département) to show
beside the territory's own (issue 16 §4). ``site.capacite`` and
``offer.capacite``: optional capacities, the supply of the 2SFCA score.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'need_series',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator', sa.String(length=50), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('zone_kind', sa.String(length=10), nullable=False),
        sa.Column('secrecy_threshold', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('imported_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('indicator', 'year'),
    )
    with op.batch_alter_table('need_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_series_indicator'), ['indicator'], unique=False)
    op.create_table(
        'need_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('zone', sa.String(length=100), nullable=False),
        sa.Column('count', sa.Integer(), nullable=True),
        sa.Column('secret', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['series_id'], ['need_series.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('series_id', 'zone'),
    )
    with op.batch_alter_table('need_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_count_series_id'), ['series_id'], unique=False)
    op.create_table(
        'reference_value',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator', sa.String(length=100), nullable=False),
        sa.Column('zone', sa.String(length=30), nullable=False),
        sa.Column('zone_label', sa.String(length=200), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('unit', sa.String(length=10), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('indicator', 'zone', 'year'),
    )
    with op.batch_alter_table('reference_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_value_indicator'), ['indicator'], unique=False)
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacite', sa.Integer(), nullable=True))
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacite', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_column('capacite')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('capacite')
    op.drop_table('reference_value')
    op.drop_table('need_count')
    op.drop_table('need_series')
