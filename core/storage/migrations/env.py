"""Alembic environment: migrations always run on a connection haishin hands over.

Run them with ``Database.migrate()`` (``haishin serve`` and ``haishin ingest`` do it at start);
write a new one with ``uv run python -m core.storage.revision "what changes"``.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "haishin's migrations run from code: call `await Database.from_url(url).migrate()`"
    )

# render_as_batch: SQLite can only ALTER a table by copying it; Alembic's batch mode does that.
context.configure(
    connection=connection,
    render_as_batch=True,
    compare_type=True,
    target_metadata=config.attributes.get("target_metadata"),
    include_object=config.attributes.get("include_object"),
)
with context.begin_transaction():
    context.run_migrations()
