"""Migration 0005 on a database that already holds issues: nothing lost, undated unpublished
file issues become drafts, and the Slack token columns take an encrypted token."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Connection, text

from core.storage.database import Database
from core.storage.migrate import alembic_config

BEFORE = "0004"
NOW = datetime(2025, 10, 10, tzinfo=UTC)


def upgrade_to(revision: str):  # type: ignore[no-untyped-def]
    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    return run


async def test_0005_keeps_every_row_and_holds_undated_unpublished_files(
    database_url: str,
) -> None:
    db = Database.from_url(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(upgrade_to(BEFORE))
            for number, publish_at, published_at, fmt in [
                (1, NOW, NOW, "text"),  # published: stays as it is
                (2, None, None, "markdown"),  # undated, never sent: a draft now
                (3, None, None, "feed"),  # a feed entry without a date: not a file's draft
                (4, NOW, None, "text"),  # scheduled
            ]:
                await conn.execute(
                    text(
                        "INSERT INTO issues (id, number, source_key, publish_at, published_at, "
                        "back_catalogue, revision, corrected, created_at, updated_at) VALUES "
                        "(:n, :n, :key, :at, :out, false, 1, false, :now, :now)"
                    ),
                    {
                        "n": number,
                        "key": f"k{number}",
                        "at": publish_at,
                        "out": published_at,
                        "now": NOW,
                    },
                )
                await conn.execute(
                    text(
                        "INSERT INTO issue_revisions (issue_id, revision, content_hash, document, "
                        "source_format, created_at) VALUES (:n, 1, 'h', '{}', :fmt, :now)"
                    ),
                    {"n": number, "fmt": fmt, "now": NOW},
                )
                await conn.execute(
                    text(
                        "INSERT INTO issue_sections (issue_id, position, key, title) "
                        "VALUES (:n, 0, 'topic', 'トピック')"
                    ),
                    {"n": number},
                )
        await db.migrate()
        async with db.engine.connect() as conn:
            held = await conn.execute(text("SELECT number, held FROM issues ORDER BY number"))
            assert [tuple(r) for r in held] == [(1, None), (2, "draft"), (3, None), (4, None)]
            assert await conn.scalar(text("SELECT count(*) FROM issue_revisions")) == 4
            assert await conn.scalar(text("SELECT count(*) FROM issue_sections")) == 4
        long_token = "gAAAAA" + "x" * 400  # an encrypted refresh token is about this long
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, "
                    "is_enterprise_install, installed_at) VALUES ('c', 'a', 'T1', :t, false, :now)"
                ),
                {"t": long_token, "now": NOW.replace(tzinfo=None)},
            )
        async with db.engine.connect() as conn:
            assert await conn.scalar(text("SELECT bot_token FROM slack_bots")) == long_token
    finally:
        await db.dispose()
