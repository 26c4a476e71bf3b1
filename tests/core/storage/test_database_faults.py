"""A PostgreSQL that restarts, stops or hangs: calls fail in bounded time, the health probe
says what is wrong, and the same ``Database`` works again once the server is back."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from bots.server import PROBE_TIMEOUT, database_health
from core.storage.database import Database
from tests.fakes.pgserver import OwnPostgres, own_postgres_or_skip

pytestmark = pytest.mark.postgres


server = pytest.fixture(scope="module", name="server")(own_postgres_or_skip)


async def answers(db: Database) -> bool:
    async with db.session() as session:
        return bool(await session.scalar(text("SELECT 1")))


async def test_every_connection_has_timeouts_and_keepalives(server: OwnPostgres) -> None:
    db = Database.from_url(server.url())
    try:
        async with db.session() as session:
            shown = {
                name: await session.scalar(text(f"SHOW {name}"))
                for name in (
                    "statement_timeout",
                    "lock_timeout",
                    "idle_in_transaction_session_timeout",
                    "tcp_user_timeout",
                )
            }
        assert shown == {
            "statement_timeout": "1min",
            "lock_timeout": "10s",
            "idle_in_transaction_session_timeout": "1min",
            "tcp_user_timeout": "10000",  # milliseconds
        }
    finally:
        await db.dispose()


async def test_a_setting_in_the_url_wins(server: OwnPostgres) -> None:
    db = Database.from_url(server.url() + "?options=-c%20statement_timeout%3D5s")
    try:
        async with db.session() as session:
            assert await session.scalar(text("SHOW statement_timeout")) == "5s"
            assert await session.scalar(text("SHOW lock_timeout")) == "10s"
    finally:
        await db.dispose()


async def test_the_service_comes_back_by_itself_after_a_restart_and_a_stop(
    server: OwnPostgres,
) -> None:
    db = Database.from_url(server.url())
    try:
        assert await answers(db)
        await asyncio.to_thread(server.restart, "immediate")
        assert await answers(db)  # the pool's dead connections are replaced, not used
        await asyncio.to_thread(server.stop, "fast")
        try:
            health = await database_health(db)
            assert health["database"] == "unreachable"
            assert health["database_problem"]
        finally:
            await asyncio.to_thread(server.start)
        assert await answers(db)
        assert (await database_health(db))["database"] == "ok"
    finally:
        await db.dispose()


async def test_a_hung_server_fails_the_health_probe_instead_of_hanging_it(
    server: OwnPostgres,
) -> None:
    db = Database.from_url(server.url())
    try:
        assert await answers(db)  # one pooled connection, to a backend that will hang
        with server.frozen(server.backends()):
            began = time.monotonic()
            health = await database_health(db)
            assert health["database"] == "unreachable"
            assert "no answer" in str(health["database_problem"])
            assert time.monotonic() - began < PROBE_TIMEOUT + 2
    finally:
        await db.dispose()


async def test_a_statement_that_runs_too_long_is_ended_by_the_server(server: OwnPostgres) -> None:
    db = Database.from_url(server.url() + "?options=-c%20statement_timeout%3D300ms")
    try:
        async with db.session() as session:
            with pytest.raises(Exception, match="statement timeout"):
                await session.execute(text("SELECT pg_sleep(5)"))
    finally:
        await db.dispose()
