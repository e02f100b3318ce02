"""web: indexes for the item list's filters (each filter's items in campaign order; lights as due ranges)

Revision ID: 0700_web_list
Revises: 0600_evaluation
Create Date: 2026-12-01 23:30:00
"""
from alembic import op


revision = '0700_web_list'
down_revision = '0600_evaluation'
branch_labels = None
depends_on = None

LIST_INDEXES = {
    'ix_problem_items_list_unit': ['campaign_id', 'unit_id', 'seq'],
    'ix_problem_items_list_owner': ['campaign_id', 'owner_id', 'seq'],
    'ix_problem_items_list_category': ['campaign_id', 'category_id', 'seq'],
    'ix_problem_items_list_source': ['campaign_id', 'source', 'seq'],
}


def upgrade() -> None:
    with op.batch_alter_table('problem_items', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_items_campaign_state')
        batch_op.create_index('ix_problem_items_campaign_state', ['campaign_id', 'state', 'due', 'paused_since'],
                              unique=False)
        for name, columns in LIST_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('problem_items', schema=None) as batch_op:
        for name in LIST_INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_index('ix_problem_items_campaign_state')
        batch_op.create_index('ix_problem_items_campaign_state', ['campaign_id', 'state'], unique=False)
