"""Exactly once on a slow platform: when a unit was first tried, and late copies removed.

- ``deliveries.first_attempt_at``: the first time the unit was claimed for sending; LINE
  honours a retry key for 24 hours from it, so a resend later than that is not made blindly.
- ``deliveries.verify_at``: a unit resent after a send in doubt is looked at again then, and
  any second copy of it is deleted.
- ``deliveries.duplicates_removed``: how many late copies of the unit were deleted.

Revision ID: 0009_settling
Revises: 0008_failure_kinds
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_settling"
down_revision: str | None = "0008_failure_kinds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN in place (recreate="never"): a copy of ``deliveries`` on SQLite is slow on a
    # big ledger and buys nothing for nullable columns.
    with op.batch_alter_table("deliveries", recreate="never") as batch:
        batch.add_column(sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("verify_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("duplicates_removed", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_index("ix_deliveries_verify_at", "deliveries", ["verify_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deliveries_verify_at", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("duplicates_removed")
        batch.drop_column("verify_at")
        batch.drop_column("first_attempt_at")
