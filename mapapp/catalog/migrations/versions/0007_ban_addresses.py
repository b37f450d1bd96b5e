"""addresses of the Base Adresse Nationale

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

``address``: the BAN addresses of the département (``mapapp territory
adresses``), geocoded offline by « Trouver une offre » (issue 13).
``address_import``: which file was imported when (one row; its date is the
version of the in-memory search index).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('address',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=True),
    sa.Column('rep', sa.String(length=20), nullable=False),
    sa.Column('nom_voie', sa.String(length=300), nullable=False),
    sa.Column('code_postal', sa.String(length=5), nullable=False),
    sa.Column('code_insee', sa.String(length=5), nullable=False),
    sa.Column('nom_commune', sa.String(length=200), nullable=False),
    sa.Column('nom_ld', sa.String(length=300), nullable=False),
    sa.Column('nom_ancienne_commune', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_address_code_insee', 'address', ['code_insee'], unique=False)
    op.create_table('address_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=1000), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('address_import')
    op.drop_index('ix_address_code_insee', table_name='address')
    op.drop_table('address')
