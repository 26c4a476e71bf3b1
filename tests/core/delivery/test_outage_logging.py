"""A database that stops while many channels wait for their pace: one log line for all the
groups and one when it is back, no traceback above DEBUG, and every post still sent once."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import OperationalError

from core.clock import FixedClock
from core.ports import Audience
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.core.delivery.conftest import (
    NOW,
    RecordingLine,
    RecordingPublisher,
    World,
    eventually,
    issue,
)
from tests.core.delivery.test_fencing import Monotonic, worker
from tests.fakes.pgserver import OwnPostgres, own_postgres_or_skip

pytestmark = pytest.mark.postgres
CHANNELS = [f"C{n}" for n in range(1, 21)]


class HeldPublisher(RecordingPublisher):
    """Every channel waits 2 s between posts (later units are reserved, not claimed), and
    the waits last until the test lets them go."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0
        self.release = asyncio.Event()

    def pace(self, audience: Audience) -> float:
        return 2.0

    async def wait_pace(self, audience: Audience, *, ahead: float = 0.0) -> None:
        self.waiting += 1
        await self.release.wait()


server = pytest.fixture(scope="module", name="server")(own_postgres_or_skip)


async def test_a_stop_under_twenty_waiting_channels_is_one_line(
    server: OwnPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database.from_url(server.create_database("outage_logging"))
    await db.migrate()
    publisher = HeldPublisher()
    world = World(db, FixedClock(NOW), publisher, RecordingLine())
    try:
        await world.store(issue(1))
        for channel in CHANNELS:
            await world.subscribe(channel)
        await world.publish_and_hand_over()
        w = worker(world, Monotonic())
        await w.register()
        with caplog.at_level(logging.DEBUG, logger="haishin"):
            draining = asyncio.create_task(w.drain())
            await eventually(lambda: publisher.waiting == len(CHANNELS))
            await asyncio.to_thread(server.stop, "fast")
            publisher.release.set()  # every group now takes its next unit: the database is gone
            with pytest.raises(OperationalError):
                await draining
            failures = db.health.failing()["delivery sends"]["failures"]
            assert isinstance(failures, int) and failures >= len(CHANNELS)
            assert db.health.state == "failing"

            await asyncio.to_thread(server.start)
            await w.register()
            await w.drain()
        rows = await DeliveryLedgerRepository(db).rows()
        assert {r.state for r in rows} == {"sent"}
        whole = ["parent", "topic", "articles", "shorts", "afterword"]
        assert all(publisher.units_to(channel) == whole for channel in CHANNELS)
        assert publisher.duplicates() == []
        assert "delivery sends" not in db.health.failing()
    finally:
        if not server.running():
            server.start()
        await db.dispose()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    said = [r.getMessage() for r in loud]
    assert sum(m.startswith("database writes failing (delivery sends)") for m in said) == 1
    assert sum(m.startswith("database writes work again (delivery sends)") for m in said) == 1
    assert [r.getMessage() for r in loud if r.exc_info] == []
