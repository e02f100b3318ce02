"""`make migration MSG="..." REV=0002_name`: autogenerate a new Alembic revision.

The models are compared with a scratch SQLite database upgraded to the current head, so
the new revision holds exactly the schema change; review it (and its downgrade) before
committing. Existing databases pick it up with `duban init`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from storage.db import get_engine
from storage.migrate import alembic_config, upgrade


def main(message: str, rev_id: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'schema.sqlite'}"
        upgrade(url)
        cfg = alembic_config()
        with get_engine(url).begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit('usage: python -m storage.new_revision "message" REV_ID')
    main(sys.argv[1], sys.argv[2])
