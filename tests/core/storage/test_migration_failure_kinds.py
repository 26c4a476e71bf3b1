"""Migration 0008 on a ledger with failures: each platform code becomes its failure's kind,
so delivery reads rows failed before the upgrade as it reads new ones."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Connection, text

from core.storage.database import Database
from core.storage.migrate import alembic_config

BEFORE = "0006_stats"
NOW = datetime(2025, 10, 10, tzinfo=UTC)
CODES = {
    "msg_blocks_too_long": "message_rejected",
    "400": "message_rejected",
    "unknown_unit": "message_rejected",
    "quota_exceeded": "quota_exhausted",
    "429": "ratelimited",
    "rate_limited": "ratelimited",
    "ratelimited": "ratelimited",
    "channel_not_found": "channel_not_found",  # nothing decides from it: kept for people
    "empty": "empty",
}


def upgrade_to(revision: str):  # type: ignore[no-untyped-def]
    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    return run


async def test_0008_rewrites_platform_codes_as_kinds(database_url: str) -> None:
    db = Database.from_url(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(upgrade_to(BEFORE))
            await conn.execute(
                text(
                    "INSERT INTO issues (id, number, source_key, back_catalogue, revision, "
                    "corrected, created_at, updated_at) "
                    "VALUES (1, 1, 'k1', false, 1, false, :now, :now)"
                ),
                {"now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO subscriptions (id, platform, target, sections, cadence, active, "
                    "created_at, updated_at) "
                    "VALUES (1, 'slack', 'C1', '[]', 'on-publish', true, :now, :now)"
                ),
                {"now": NOW},
            )
            for n, code in enumerate(CODES):
                await conn.execute(
                    text(
                        "INSERT INTO deliveries (id, subscription_id, issue_id, revision, unit, "
                        "position, state, attempts, created_at, updated_at, batch, error_code) "
                        "VALUES (:id, 1, 1, 1, :unit, :n, 'dead', 1, :now, :now, 0, :code)"
                    ),
                    {"id": f"row-{n}", "unit": f"u{n}", "n": n, "now": NOW, "code": code},
                )
        await db.migrate()
        async with db.engine.connect() as conn:
            rows = await conn.execute(text("SELECT unit, error_code FROM deliveries"))
            stored = {unit: code for unit, code in rows}
        assert stored == {f"u{n}": kind for n, kind in enumerate(CODES.values())}
    finally:
        await db.dispose()
