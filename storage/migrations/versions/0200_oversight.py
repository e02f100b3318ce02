"""oversight: committed draw secrets (unannounced, verifiable draws); visits to drawn units; units' leader in
charge; measures carried out

Revision ID: 0200_oversight
Revises: 0300_web
Create Date: 2026-12-01 03:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0200_oversight'
down_revision = '0300_web'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'draw_secrets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('phase', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('block', sa.Integer(), nullable=True),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('secret_sha256', sa.String(length=64), nullable=False),
        sa.Column('committed_on', sa.Date(), nullable=False),
        sa.Column('revealed_on', sa.Date(), nullable=True),
        sa.Column('draw_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_draw_secrets_campaign_id_campaigns')),
        sa.ForeignKeyConstraint(['draw_id'], ['draws.id'], name=op.f('fk_draw_secrets_draw_id_draws')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draw_secrets')),
        sa.UniqueConstraint('campaign_id', 'phase', 'kind', 'block',
                            name=op.f('uq_draw_secrets_campaign_id_phase_kind_block')),
    )
    op.create_table(
        'visits',
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
        sa.UniqueConstraint('draw_id', 'unit_id', name=op.f('uq_visits_draw_id_unit_id')),
    )
    op.add_column('org_units', sa.Column('leader_in_charge_id', sa.Integer(), nullable=True))
    op.add_column('cases', sa.Column('measure_done_on', sa.Date(), nullable=True))
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot add a constraint to an existing table
        op.create_foreign_key('fk_org_units_leader_in_charge_id_persons', 'org_units', 'persons',
                              ['leader_in_charge_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_org_units_leader_in_charge_id_persons', 'org_units', type_='foreignkey')
    # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), not a batch copy: recreating org_units would drop a table
    # that other tables' foreign keys point at, which SQLite refuses while foreign keys are on.
    op.drop_column('cases', 'measure_done_on')
    op.drop_column('org_units', 'leader_in_charge_id')
    op.drop_table('visits')
    op.drop_table('draw_secrets')
