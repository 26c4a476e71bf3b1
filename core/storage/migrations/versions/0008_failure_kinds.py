"""Failure kinds: a failed delivery's ``error_code`` is the failure's kind, not the platform's.

Delivery decides from the kind of a stored failure (was anything sent? does a message error
stay dead on resume?), so rows failed before this revision get the kind their platform code
meant. The platforms' own codes below are history: nothing else in core names them.

Revision ID: 0008_failure_kinds
Revises: 0006_stats
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_failure_kinds"
down_revision: str | None = "0006_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = {
    "ratelimited": ("rate_limited", "429"),
    "quota_exhausted": ("quota_exceeded",),
    "message_rejected": (
        "invalid_blocks",
        "msg_blocks_too_long",
        "msg_too_long",
        "invalid_arguments",
        "unknown_unit",
        "bad_retry_key",
        "400",
        "413",
    ),
}


def upgrade() -> None:
    deliveries = sa.table("deliveries", sa.column("error_code", sa.String(64)))
    for kind, codes in KINDS.items():
        op.execute(
            deliveries.update()
            .where(deliveries.c.error_code.in_(codes))
            .values(error_code=kind)
        )


def downgrade() -> None:
    # The kinds are what the code before this revision wrote for the first platform code of
    # each (every code of a kind was treated alike).
    deliveries = sa.table("deliveries", sa.column("error_code", sa.String(64)))
    first = {"ratelimited": None, "quota_exhausted": "quota_exceeded", "message_rejected": "400"}
    for kind, code in first.items():
        if code is not None:
            op.execute(
                deliveries.update().where(deliveries.c.error_code == kind).values(error_code=code)
            )
