"""Held issues, file fingerprints, and room for encrypted Slack tokens.

- ``issues.held``: why an unpublished issue is held back (``draft``: its file has no date;
  ``removed``: its file is gone; ``cancelled``: the editor cancelled it). An undated file
  stored before this revision and not yet published becomes a draft, as it would now.
- ``issue_revisions.source_hash``: SHA-256 of the file's bytes, to recognise a copy.
- The token columns of ``slack_installations`` and ``slack_bots`` widen to 1000 characters:
  an encrypted token is longer than slack_sdk's 200. The tokens themselves are encrypted
  when ``haishin serve`` starts with a key (a migration has no key).

Revision ID: 0005_holds_tokens
Revises: 0005_console_sessions
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_holds_tokens"
down_revision: str | None = "0005_console_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS = {
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
    "slack_bots": ("bot_token", "bot_refresh_token"),
}


HOLDS = "held IN ('draft', 'removed', 'cancelled')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN in place: a batch copy of ``issues`` would drop the table, and with
        # foreign keys on, that deletes every revision, section and delivery row of it.
        op.execute(
            "ALTER TABLE issues ADD COLUMN held VARCHAR(16) "
            f"CONSTRAINT ck_issues_held CHECK ({HOLDS})"
        )
    else:
        op.add_column("issues", sa.Column("held", sa.String(length=16), nullable=True))
        op.create_check_constraint(op.f("ck_issues_held"), "issues", HOLDS)
    with op.batch_alter_table("issue_revisions", recreate="never") as batch:
        batch.add_column(sa.Column("source_hash", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_issue_revisions_source_hash"), "issue_revisions", ["source_hash"], unique=False
    )
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
    # Nothing refers to the Slack tables, so SQLite's copy-and-swap is safe for them.
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
    op.drop_index(op.f("ix_issue_revisions_source_hash"), table_name="issue_revisions")
    with op.batch_alter_table("issue_revisions", recreate="never") as batch:
        batch.drop_column("source_hash")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_issues_held"), "issues", type_="check")
    with op.batch_alter_table("issues", recreate="never") as batch:
        batch.drop_column("held")
