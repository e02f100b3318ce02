"""problem_items: pages half full on PostgreSQL, so an item's update stays on its page (HOT)

Every change to an item rewrites its row (its version at least). When the new row version finds
no room on its page, PostgreSQL writes it elsewhere and inserts it into every index of the table
(eleven b-trees and the title's trigram index): a sweep that escalates most open items paid
75–125 ms per 500-row UPDATE of their versions. With fillfactor 50 each row can be rewritten once
on its own page and, as no indexed column changes, no index is touched (measured at 20 k items:
13,000 of 13,000 updates HOT, 0 at the default 100, 66 % at 70). Rows already stored keep their
pages until the table is rewritten (VACUUM FULL or CLUSTER, an operator's choice); new rows get
the room. SQLite has no such setting.

Revision ID: 0730_problem_items_fillfactor
Revises: 0710_web_title_search
Create Date: 2026-12-02 13:10:00
"""
from alembic import op


revision = '0730_problem_items_fillfactor'
down_revision = '0710_web_title_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE problem_items SET (fillfactor = 50)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE problem_items RESET (fillfactor)')
