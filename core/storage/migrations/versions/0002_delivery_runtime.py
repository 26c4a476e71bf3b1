"""Delivery runtime: ledger groups and error codes, persisted LINE batches, worker heartbeats.

Revision ID: 0002
Revises: 0001
Create Date: 2025-10-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Plain ADD COLUMNs: SQLite needs no table copy for them.
    with op.batch_alter_table("deliveries", recreate="never") as batch:
        batch.add_column(sa.Column("batch", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("error_code", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_deliveries_group", "deliveries", ["subscription_id", "issue_id", "batch", "position"]
    )

    op.create_table(
        "delivery_batches",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("sections", _json(), nullable=False),
        sa.Column("recipients", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"],
            name="fk_delivery_batches_issue_id_issues", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name="fk_delivery_batches_subscription_id_subscriptions", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "subscription_id", "issue_id", "batch", name="pk_delivery_batches"
        ),
    )

    op.create_table(
        "delivery_workers",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_workers"),
    )
    op.create_index("ix_delivery_workers_heartbeat_at", "delivery_workers", ["heartbeat_at"])


def downgrade() -> None:
    op.drop_index("ix_delivery_workers_heartbeat_at", table_name="delivery_workers")
    op.drop_table("delivery_workers")
    op.drop_table("delivery_batches")
    op.drop_index("ix_deliveries_group", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("error_code")
        batch.drop_column("batch")
