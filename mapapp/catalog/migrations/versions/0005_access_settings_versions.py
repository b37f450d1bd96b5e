"""versions of the territory's accessibility settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

``access_settings_version``: each imported version of the accessibility
settings file (themes, publics, schedule rule; issue 11 §1): its text, digest,
author, date and comment. The current settings are the latest row; an empty
table means the default settings (mapapp.catalog.settings_store).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'access_settings_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('access_settings_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_settings_version_digest'), ['digest'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_settings_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_settings_version_digest'))
    op.drop_table('access_settings_version')
