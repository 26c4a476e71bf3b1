"""The health probe of a database that answers too late: ``unreachable`` at once, and the
failure that arrives after the probe gave up is not logged as a task nobody looked at."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest
from sqlalchemy.exc import OperationalError

from bots import server
from core.storage.health import WriteHealth


class LateDatabase:
    """A database whose answer comes after the probe gave up: a lost connection."""

    def __init__(self) -> None:
        self.health = WriteHealth()
        self.ended = asyncio.Event()

    def file_problem(self) -> None:
        return None

    async def check(self) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # the driver's clean-up of the cancelled query
            self.ended.set()
            raise OperationalError("SELECT 1", {}, ConnectionError("connection lost")) from None


async def test_a_probe_that_fails_after_giving_up_is_not_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(server, "PROBE_TIMEOUT", 0.1)
    db = LateDatabase()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        health = await server.database_health(db)  # type: ignore[arg-type]
        assert health["database"] == "unreachable"
        await asyncio.wait_for(db.ended.wait(), 5)
        await asyncio.sleep(0.05)
        assert not server._ABANDONED
        gc.collect()
        await asyncio.sleep(0)
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []
