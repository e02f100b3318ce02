"""documents: the sanction a case decided (纪律处分/组织处理 kinds from the plan)

Revision ID: 0110_documents
Revises: 0410_intake
Create Date: 2026-12-01 04:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0110_documents'
down_revision = '0410_intake'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sanction', sa.String(length=48), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('sanction')
