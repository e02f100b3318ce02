"""Pre-release helper (`make schema`): regenerate migration 0001 from the models."""

from alembic import command

from storage.db import get_engine
from storage.migrate import alembic_config

engine = get_engine("sqlite:////tmp/duban-schema.sqlite")
cfg = alembic_config()
with engine.begin() as conn:
    cfg.attributes["connection"] = conn
    command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
