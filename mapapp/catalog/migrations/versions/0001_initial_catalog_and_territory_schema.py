"""initial catalog and territory schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commune',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('nom', sa.String(length=200), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('departement', sa.String(length=3), nullable=False),
    sa.Column('is_buffer', sa.Boolean(), nullable=False),
    sa.Column('geometry_wkb', sa.LargeBinary(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('point_lon', sa.Float(), nullable=False),
    sa.Column('point_lat', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('grid_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid', sa.String(length=50), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('nom', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('grid', 'code')
    )
    with op.batch_alter_table('grid_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_unit_grid'), ['grid'], unique=False)

    op.create_table('structure',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('nom', sa.String(length=300), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=True),
    sa.Column('reseaux_porteurs', sa.JSON(), nullable=False),
    sa.Column('telephone', sa.String(length=50), nullable=True),
    sa.Column('courriel', sa.String(length=200), nullable=True),
    sa.Column('site_web', sa.String(length=500), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('adresse', sa.String(length=300), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('date_maj', sa.Date(), nullable=False),
    sa.Column('date_verification', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_structure_siret'), ['siret'], unique=False)

    op.create_table('territory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('departement', sa.String(length=3), nullable=False),
    sa.Column('fictional', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('osm_path', sa.String(length=1000), nullable=True),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('grid_member',
    sa.Column('grid_unit_id', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['commune.code'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grid_unit_id'], ['grid_unit.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grid_unit_id', 'commune_code')
    )
    op.create_table('mobility_solution',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('structure_id', sa.String(length=200), nullable=False),
    sa.Column('nom', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('served_communes', sa.JSON(), nullable=False),
    sa.Column('publics', sa.JSON(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('date_maj', sa.Date(), nullable=False),
    sa.Column('date_verification', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mobility_solution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mobility_solution_structure_id'), ['structure_id'], unique=False)

    op.create_table('offer',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('structure_id', sa.String(length=200), nullable=False),
    sa.Column('nom', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=True),
    sa.Column('thematiques', sa.JSON(), nullable=False),
    sa.Column('publics', sa.JSON(), nullable=False),
    sa.Column('publics_precisions', sa.Text(), nullable=True),
    sa.Column('modes_accueil', sa.JSON(), nullable=False),
    sa.Column('frais', sa.String(length=20), nullable=True),
    sa.Column('frais_precisions', sa.Text(), nullable=True),
    sa.Column('conditions_acces', sa.Text(), nullable=True),
    sa.Column('zone_eligibilite', sa.JSON(), nullable=True),
    sa.Column('telephone', sa.String(length=50), nullable=True),
    sa.Column('courriel', sa.String(length=200), nullable=True),
    sa.Column('contact_nom_prenom', sa.String(length=200), nullable=True),
    sa.Column('lien_source', sa.String(length=500), nullable=True),
    sa.Column('lien_mobilisation', sa.String(length=500), nullable=True),
    sa.Column('modes_mobilisation', sa.JSON(), nullable=False),
    sa.Column('mobilisable_par', sa.JSON(), nullable=False),
    sa.Column('mobilisation_precisions', sa.Text(), nullable=True),
    sa.Column('horaires_accueil', sa.String(length=500), nullable=True),
    sa.Column('delivery_mode', sa.String(length=30), nullable=False),
    sa.Column('pilote', sa.String(length=300), nullable=True),
    sa.Column('financeurs', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('date_maj', sa.Date(), nullable=False),
    sa.Column('date_verification', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_structure_id'), ['structure_id'], unique=False)

    op.create_table('population_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('population', sa.Float(), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['commune.code'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('population_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_population_point_commune_code'), ['commune_code'], unique=False)

    op.create_table('site',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('structure_id', sa.String(length=200), nullable=False),
    sa.Column('nom', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('adresse', sa.String(length=300), nullable=True),
    sa.Column('code_postal', sa.String(length=5), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('horaires_accueil', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('closed_from', sa.Date(), nullable=True),
    sa.Column('closed_until', sa.Date(), nullable=True),
    sa.Column('itinerant_route', sa.String(length=200), nullable=True),
    sa.Column('date_maj', sa.Date(), nullable=False),
    sa.Column('date_verification', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_structure_id'), ['structure_id'], unique=False)

    op.create_table('offer_site',
    sa.Column('offer_id', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'site_id')
    )


def downgrade() -> None:
    op.drop_table('offer_site')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_structure_id'))
        batch_op.drop_index(batch_op.f('ix_site_status'))
        batch_op.drop_index(batch_op.f('ix_site_kind'))
        batch_op.drop_index(batch_op.f('ix_site_commune_code'))

    op.drop_table('site')
    with op.batch_alter_table('population_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_population_point_commune_code'))

    op.drop_table('population_point')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_structure_id'))
        batch_op.drop_index(batch_op.f('ix_offer_status'))

    op.drop_table('offer')
    with op.batch_alter_table('mobility_solution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mobility_solution_structure_id'))

    op.drop_table('mobility_solution')
    op.drop_table('grid_member')
    op.drop_table('territory')
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_structure_siret'))

    op.drop_table('structure')
    with op.batch_alter_table('grid_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_unit_grid'))

    op.drop_table('grid_unit')
    op.drop_table('commune')
