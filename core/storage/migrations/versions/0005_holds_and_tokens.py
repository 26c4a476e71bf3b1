"""Held issues, file fingerprints, and room for encrypted Slack tokens.

- ``issues.held``: why an unpublished issue is held back (``draft``: its file has no date;
  ``removed``: its file is gone; ``cancelled``: the editor cancelled it). An undated file
  stored before this revision and not yet published becomes a draft, as it would now.
- ``issue_revisions.source_hash``: SHA-256 of the file's bytes, to recognise a copy.
- The token columns of ``slack_installations`` and ``slack_bots`` widen to 1000 characters:
  an encrypted token is longer than slack_sdk's 200. The tokens themselves are encrypted
  when ``haishin serve`` starts with a key (a migration has no key).

Revision ID: 0005_holds_tokens
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_holds_tokens"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS = {
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
    "slack_bots": ("bot_token", "bot_refresh_token"),
}


def upgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.add_column(sa.Column("held", sa.String(length=16), nullable=True))
        batch.create_check_constraint(
            "ck_issues_held", "held IN ('draft', 'removed', 'cancelled')"
        )
    with op.batch_alter_table("issue_revisions") as batch:
        batch.add_column(sa.Column("source_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_issue_revisions_source_hash", ["source_hash"])
    op.execute(
        """
        UPDATE issues SET held = 'draft'
        WHERE published_at IS NULL AND publish_at IS NULL AND back_catalogue = false
          AND EXISTS (
            SELECT 1 FROM issue_revisions r
            WHERE r.issue_id = issues.id AND r.revision = issues.revision
              AND r.source_format IN ('text', 'markdown')
          )
        """
    )
    for table, columns in TOKENS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column,
                    existing_type=sa.String(length=200),
                    type_=sa.String(length=1000),
                    existing_nullable=True,
                )


def downgrade() -> None:
    for table, columns in TOKENS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column,
                    existing_type=sa.String(length=1000),
                    type_=sa.String(length=200),
                    existing_nullable=True,
                )
    with op.batch_alter_table("issue_revisions") as batch:
        batch.drop_index("ix_issue_revisions_source_hash")
        batch.drop_column("source_hash")
    with op.batch_alter_table("issues") as batch:
        batch.drop_constraint("ck_issues_held", type_="check")
        batch.drop_column("held")
