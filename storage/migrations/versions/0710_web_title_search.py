"""web: a trigram index for the item list's title search (PostgreSQL only)

A search is ``title LIKE '%words%'``: no b-tree serves it, so counting the matches of a rare
term read the whole table (≈ 120–170 ms at 100 k items, on every search page). pg_trgm's GIN
index answers it from the pattern's three-character pieces; a pattern shorter than three
characters has none and is still a scan, as before. SQLite has no such index and scans.
Where the pg_trgm extension is not installed with the server, nothing is created.

Revision ID: 0710_web_title_search
Revises: 0210_oversight
Create Date: 2026-12-02 05:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0710_web_title_search'
down_revision = '0210_oversight'
branch_labels = None
depends_on = None

INDEX = 'ix_problem_items_title_trgm'
EXTENSION_SCHEMA = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                           "WHERE e.extname = 'pg_trgm'")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    # The extension is one per database and may live in another schema than duban's tables (a
    # schema of its own, or public): name its operator class with that schema, since only
    # duban's schema may be on the search path.
    schema = bind.execute(EXTENSION_SCHEMA).scalar_one()
    op.execute(f'CREATE INDEX IF NOT EXISTS {INDEX} ON problem_items USING gin (title "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {INDEX}')
