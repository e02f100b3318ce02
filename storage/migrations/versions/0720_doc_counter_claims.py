"""documents: numbers promised to batch drafts on the counter (claimed_through, claim_epoch)

Two issuers of one kind drafting at the same time both drafted the counter's next numbers,
so the later one found almost every draft stale and rendered it again under the lock. A
draft now claims the numbers after every number taken or promised; the counter stays the
only truth (nothing is reserved, so a dead issuer leaves no gap).

Revision ID: 0720_doc_counter_claims
Revises: 0730_problem_items_fillfactor
Create Date: 2026-12-02 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0720_doc_counter_claims'
down_revision = '0730_problem_items_fillfactor'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('doc_counters') as batch:
        batch.add_column(sa.Column('claimed_through', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('claim_epoch', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('doc_counters') as batch:
        batch.drop_column('claim_epoch')
        batch.drop_column('claimed_through')
