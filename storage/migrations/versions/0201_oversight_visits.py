"""oversight: visits to drawn units

Revision ID: 0201_oversight
Revises: 0200_oversight
Create Date: 2026-12-01 04:52:31
"""
from alembic import op
import sqlalchemy as sa


revision = '0201_oversight'
down_revision = '0200_oversight'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_visits_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['draw_id'], ['draws.id'], name=op.f('fk_visits_draw_id_draws')),
    sa.ForeignKeyConstraint(['inspector_id'], ['persons.id'], name=op.f('fk_visits_inspector_id_persons')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_visits_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('draw_id', 'unit_id', name=op.f('uq_visits_draw_id_unit_id'))
    )


def downgrade() -> None:
    op.drop_table('visits')
