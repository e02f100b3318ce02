"""publication: items the office decided to publish, and the publications it released

Revision ID: 0610_publication
Revises: 0200_oversight
Create Date: 2026-12-01 07:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0610_publication'
down_revision = '0200_oversight'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('problem_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publishable', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'publications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('released_on', sa.Date(), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('folder', sa.Text(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('rounds', sa.JSON(), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_publications_campaign_id_campaigns')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
        sa.UniqueConstraint('campaign_id', 'seq', name=op.f('uq_publications_campaign_id_seq')),
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_campaign_id'), ['campaign_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publications_campaign_id'))
    op.drop_table('publications')
    with op.batch_alter_table('problem_items', schema=None) as batch_op:
        batch_op.drop_column('publishable')
