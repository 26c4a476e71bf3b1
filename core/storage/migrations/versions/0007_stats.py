"""Reading stats: counters per day without reader ids, and the platforms' own numbers.

Revision ID: 0006_stats
Revises: 0005_holds_tokens
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_stats"
down_revision: str | None = "0005_holds_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _count(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "stats_reads",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("issue", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        _count("opened"),
        _count("asked"),
        _count("pages"),
        sa.PrimaryKeyConstraint("day", "issue", "section", "platform", name="pk_stats_reads"),
    )
    op.create_index("ix_stats_reads_issue", "stats_reads", ["issue"])
    op.create_table(
        "stats_searches",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        _count("count"),
        _count("hits"),
        sa.PrimaryKeyConstraint("day", "platform", "query", name="pk_stats_searches"),
    )
    op.create_table(
        "stats_followers",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        _count("follows"),
        _count("unfollows"),
        _count("unblocks"),
        sa.PrimaryKeyConstraint("day", "platform", name="pk_stats_followers"),
    )
    op.create_table(
        "platform_message_stats",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered", sa.Integer(), nullable=True),
        sa.Column("impressions", sa.Integer(), nullable=True),
        sa.Column("unique_impressions", sa.Integer(), nullable=True),
        sa.Column("unique_clicks", sa.Integer(), nullable=True),
        sa.Column("clicks", _json(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "request_id", name="pk_platform_message_stats"),
    )
    op.create_index(
        "ix_platform_message_stats_issue_id", "platform_message_stats", ["issue_id"]
    )
    op.create_index(
        "ix_platform_message_stats_next_fetch_at", "platform_message_stats", ["next_fetch_at"]
    )
    op.create_table(
        "platform_follower_counts",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=True),
        sa.Column("targeted_reaches", sa.Integer(), nullable=True),
        sa.Column("blocks", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "day", name="pk_platform_follower_counts"),
    )


def downgrade() -> None:
    op.drop_table("platform_follower_counts")
    op.drop_index("ix_platform_message_stats_next_fetch_at", table_name="platform_message_stats")
    op.drop_index("ix_platform_message_stats_issue_id", table_name="platform_message_stats")
    op.drop_table("platform_message_stats")
    op.drop_table("stats_followers")
    op.drop_table("stats_searches")
    op.drop_index("ix_stats_reads_issue", table_name="stats_reads")
    op.drop_table("stats_reads")
