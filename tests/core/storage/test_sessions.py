"""Console sessions in the database: valid until they expire, are ended, or the admin token
changes; ending one in one process ends it for every process on the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.storage.database import Database
from core.storage.sessions import ConsoleSessionRow, ConsoleSessions

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


async def test_a_session_lives_until_it_expires_or_ends(database: Database) -> None:
    sessions = ConsoleSessions(database)
    await sessions.start("k1", "mark", now=NOW, expires=NOW + WEEK)
    await sessions.start("k2", "mark", now=NOW, expires=NOW + WEEK)
    assert await sessions.valid("k1", "mark", now=NOW + timedelta(days=6))
    assert not await sessions.valid("k1", "mark", now=NOW + WEEK)  # expired
    assert not await sessions.valid("k1", "other-token", now=NOW)  # another admin token
    assert not await sessions.valid("nope", "mark", now=NOW)
    await sessions.end("k1")
    assert not await sessions.valid("k1", "mark", now=NOW)
    assert await sessions.valid("k2", "mark", now=NOW)  # others stay


async def test_ending_a_session_in_one_process_ends_it_in_another(database: Database) -> None:
    other = Database.from_url(database.url.render_as_string(hide_password=False))
    try:
        here, there = ConsoleSessions(database), ConsoleSessions(other)
        await here.start("k", "mark", now=NOW, expires=NOW + WEEK)
        assert await there.valid("k", "mark", now=NOW)
        await there.end("k")
        assert not await here.valid("k", "mark", now=NOW)
    finally:
        await other.dispose()


async def test_expired_sessions_are_forgotten_when_a_new_one_starts(database: Database) -> None:
    sessions = ConsoleSessions(database)
    await sessions.start("old", "mark", now=NOW, expires=NOW + WEEK)
    await sessions.start("new", "mark", now=NOW + 2 * WEEK, expires=NOW + 3 * WEEK)
    async with database.session() as session:
        keys = (await session.scalars(select(ConsoleSessionRow.key))).all()
        assert keys == ["new"]
        assert await session.scalar(select(func.count()).select_from(ConsoleSessionRow)) == 1
