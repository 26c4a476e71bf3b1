"""Write a new migration: ``uv run python -m core.storage.revision "add a column"``.

Alembic compares the models (``core.storage.models``) with a scratch SQLite database migrated
to the newest revision and writes the difference into ``migrations/versions``. Read what it
wrote before committing: PostgreSQL-only indexes and SQLite's FTS5 table are not compared,
and data changes are never generated.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine

from core.storage import schema
from core.storage.migrate import alembic_config, upgrade_to_head

_SEARCH_ONLY = ("issue_items_fts", "alembic_version")
_UNCOMPARED_INDEXES = {
    "uq_subscriptions_target",
    "ix_issue_items_search_title_trgm",
    "ix_issue_items_search_body_trgm",
}


def include_object(obj: Any, name: str | None, kind: str, reflected: bool, other: Any) -> bool:
    """Leave out what only the migrations describe (search tables, expression indexes)."""
    if kind == "table" and name is not None and name.startswith(_SEARCH_ONLY):
        return False
    return not (kind == "index" and name in _UNCOMPARED_INDEXES)


def write_revision(message: str) -> None:
    """Autogenerate a migration named ``message`` against a scratch database."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            with engine.begin() as conn:
                upgrade_to_head(conn)
                config = alembic_config(conn)
                config.attributes["target_metadata"] = schema.metadata()
                config.attributes["include_object"] = include_object
                command.revision(config, message=message, autogenerate=True)
        finally:
            engine.dispose()


def main() -> None:
    """Command-line entry: the message is the first argument."""
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit('usage: python -m core.storage.revision "what the migration changes"')
    write_revision(sys.argv[1])


if __name__ == "__main__":
    main()
