"""escalations: the unit of the escalated item, on the escalation row

`report units` counted each unit's escalations by joining every escalation to its item for
the item's unit: at 1 M items on PostgreSQL that join (a second scan of problem_items, whose
pages are half empty since 0730, and a hash of 600 k escalations) was 1.4 s of the 3.0 s
query (bench/README.md). An item never changes unit, so the escalation row can carry it; the
report then counts escalations per unit from the escalations alone. Existing rows get their
item's unit here.

Revision ID: 0740_escalation_unit
Revises: 0720_doc_counter_claims
Create Date: 2026-12-02 17:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0740_escalation_unit'
down_revision = '0720_doc_counter_claims'
branch_labels = None
depends_on = None

FK = 'fk_escalations_unit_id_org_units'


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('escalations') as batch:
        batch.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
    if postgresql:
        op.execute('UPDATE escalations e SET unit_id = i.unit_id FROM problem_items i WHERE i.id = e.item_id')
    else:
        op.execute('UPDATE escalations SET unit_id = '
                   '(SELECT unit_id FROM problem_items i WHERE i.id = escalations.item_id)')
    with op.batch_alter_table('escalations') as batch:
        batch.alter_column('unit_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(FK, 'org_units', ['unit_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('escalations') as batch:
        batch.drop_constraint(FK, type_='foreignkey')
        batch.drop_column('unit_id')
