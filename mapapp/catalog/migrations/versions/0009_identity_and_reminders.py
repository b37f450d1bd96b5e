"""the Département's identity and the reminders sent

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

``site_identity``: one row, the name, logo (PNG or SVG bytes, its alt text)
and colours an administrator sets (issue 18 §2); ``reminder_sent``: the
freshness reminders mailed per structure, so they are not resent within the
interval (issue 18 §5).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'site_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('primary', sa.String(length=7), nullable=False),
        sa.Column('secondary', sa.String(length=7), nullable=False),
        sa.Column('logo', sa.LargeBinary(), nullable=True),
        sa.Column('logo_mime', sa.String(length=30), nullable=True),
        sa.Column('logo_alt', sa.String(length=300), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('structure_id', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('records', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sent_structure_id'), ['structure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_sent_sent_at'), ['sent_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_sent_at'))
        batch_op.drop_index(batch_op.f('ix_reminder_sent_structure_id'))
    op.drop_table('reminder_sent')
    op.drop_table('site_identity')
