"""oversight: the leader in charge (分管领导) of a unit must be a person on SQLite too

0200_oversight added ``org_units.leader_in_charge_id`` with its foreign key on PostgreSQL only:
SQLite cannot add a constraint to an existing table. Here the table is recreated with it
(batch mode; ``storage.migrate`` turns SQLite's foreign keys off meanwhile and checks every
reference before the commit). PostgreSQL has had the constraint since 0200.

Revision ID: 0210_oversight
Revises: 0700_web_list
Create Date: 2026-12-01 23:30:00
"""
from alembic import op


revision = '0210_oversight'
down_revision = '0700_web_list'
branch_labels = None
depends_on = None

FK = 'fk_org_units_leader_in_charge_id_persons'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('org_units', recreate='always') as batch_op:
            batch_op.create_foreign_key(FK, 'persons', ['leader_in_charge_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('org_units', recreate='always') as batch_op:
            batch_op.drop_constraint(FK, type_='foreignkey')
