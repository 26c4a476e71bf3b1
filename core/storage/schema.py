"""The whole schema: every table module's tables in one metadata.

The repositories import only the tables they use, so the metadata of a running process
holds what it touched; what compares the models with the migrations (``revision``, the
schema test) takes it from here, whole.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from core.storage import (  # noqa: F401  (each puts its tables in the metadata)
    feeds,
    line_tables,
    sessions,
    slack_tables,
    stats_tables,
)
from core.storage.models import Base


def metadata() -> MetaData:
    """haishin's metadata, every table in it."""
    return Base.metadata
