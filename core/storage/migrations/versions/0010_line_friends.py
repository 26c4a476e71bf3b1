"""LINE friends: audience groups haishin uploaded, and the narrowcasts LINE accepted.

Revision ID: 0010_line_friends
Revises: 0009_settling
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_line_friends"
down_revision: str | None = "0009_settling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "line_audience_groups",
        sa.Column("members", sa.String(length=64), nullable=False),
        sa.Column("audience_group_id", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("members", name="pk_line_audience_groups"),
    )
    op.create_table(
        "line_narrowcasts",
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("audience_group_id", sa.BigInteger(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name="pk_line_narrowcasts"),
    )


def downgrade() -> None:
    op.drop_table("line_narrowcasts")
    op.drop_table("line_audience_groups")
