"""problem_items, escalations: indexes holding every column `report units` counts, in unit order

`report units` counts each unit's items per state, light, overdue, relapses and verification,
and its escalations per level. Read from the tables, every row was fetched whole (titles and
descriptions on SQLite; pages half empty since 0730 on PostgreSQL) and hashed per unit. These
indexes hold exactly the columns counted, ordered by campaign, unit and state (level): the report
reads them alone (an index-only scan on PostgreSQL, a covering index on SQLite) and groups as it
reads, with no hash or sort of the rows (bench/README.md, 2026-12-03).

The items' index adds no cost to the sweep's updates: none of its columns changes when a sweep
escalates an item, so those updates stay HOT on PostgreSQL (0730); a transition that changes the
state already touched ix_problem_items_campaign_state. The escalations' index replaces the one on
campaign_id alone, which it serves as well (its first column): an escalation row still updates
as many indexes as before.

Revision ID: 0750_report_indexes
Revises: 0740_escalation_unit
Create Date: 2026-12-03 07:45:00
"""
from alembic import op


revision = '0750_report_indexes'
down_revision = '0740_escalation_unit'
branch_labels = None
depends_on = None

ITEMS_REPORT = ['campaign_id', 'unit_id', 'state', 'due', 'paused_since', 'verified_on', 'relapse_count']
ESCALATIONS_REPORT = ['campaign_id', 'unit_id', 'level']


def upgrade() -> None:
    op.create_index('ix_problem_items_report', 'problem_items', ITEMS_REPORT, unique=False)
    op.create_index('ix_escalations_report', 'escalations', ESCALATIONS_REPORT, unique=False)
    op.drop_index('ix_escalations_campaign_id', table_name='escalations')


def downgrade() -> None:
    op.create_index('ix_escalations_campaign_id', 'escalations', ['campaign_id'], unique=False)
    op.drop_index('ix_escalations_report', table_name='escalations')
    op.drop_index('ix_problem_items_report', table_name='problem_items')
