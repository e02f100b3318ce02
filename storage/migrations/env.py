"""Alembic environment: same migrations for SQLite and PostgreSQL."""

from alembic import context

from storage.models import Base

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
