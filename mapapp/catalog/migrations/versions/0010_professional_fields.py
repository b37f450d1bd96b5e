"""professional-only contacts and notes on orientation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

``structure.contact_pro_telephone``, ``structure.contact_pro_courriel``,
``structure.note_orientation`` and ``offer.note_orientation``: what the
structures tell fellow professionals and not the public (issue 13 §6, see
mapapp.catalog.professional). The ``professional`` role is a value of
``app_user.role`` (a string column): no schema change for it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('structure') as batch:
        batch.add_column(sa.Column('contact_pro_telephone', sa.String(length=50), nullable=True))
        batch.add_column(sa.Column('contact_pro_courriel', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('note_orientation', sa.Text(), nullable=True))
    with op.batch_alter_table('offer') as batch:
        batch.add_column(sa.Column('note_orientation', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('offer') as batch:
        batch.drop_column('note_orientation')
    with op.batch_alter_table('structure') as batch:
        batch.drop_column('note_orientation')
        batch.drop_column('contact_pro_courriel')
        batch.drop_column('contact_pro_telephone')
