"""The database refusing the ledger write after a send: the unit is looked up, not resent."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text

from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.core.delivery.conftest import World, eventually

# A trigger makes the database itself refuse to record a send, as a full disk would.
REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_sent BEFORE UPDATE OF state ON deliveries "
        "WHEN NEW.state = 'sent' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_sent() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_sent BEFORE UPDATE ON deliveries FOR EACH ROW "
        "WHEN (NEW.state = 'sent') EXECUTE FUNCTION refuse_sent()",
    ],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER refuse_sent"],
    "postgresql": ["DROP TRIGGER refuse_sent ON deliveries", "DROP FUNCTION refuse_sent()"],
}


async def run_sql(world: World, statements: list[str]) -> None:
    async with world.db.transaction() as session:
        for statement in statements:
            await session.execute(text(statement))


async def test_a_send_the_ledger_could_not_record_is_found_again_not_posted_twice(
    world: World,
) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    worker = world.worker()
    await worker.register()
    await run_sql(world, REFUSE[world.db.dialect])

    draining = asyncio.create_task(worker.drain())
    # The parent went out, its record failed: the next round asks Slack before any resend.
    await eventually(lambda: bool(world.slack.lookups))
    assert world.slack.units_to("C1") == ["parent"]
    await run_sql(world, ALLOW[world.db.dialect])
    await asyncio.wait_for(draining, timeout=30)

    assert world.slack.units_to("C1") == ["parent", "topic", "articles", "shorts", "afterword"]
    assert world.slack.duplicates() == []
    rows = await DeliveryLedgerRepository(world.db).rows()
    assert {r.state for r in rows} == {"sent"}
    parent_ref = world.slack.by_id[rows[0].id].ref
    assert rows[0].sent_ref == parent_ref
    assert {s.thread_ref for s in world.slack.sends[1:]} == {parent_ref}


async def test_many_groups_failing_on_the_database_log_one_line_and_recover(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    channels = [f"C{n}" for n in range(1, 21)]
    for channel in channels:
        await world.subscribe(channel)
    await world.publish_and_hand_over()
    worker = world.worker()
    await worker.register()
    await run_sql(world, REFUSE[world.db.dialect])

    with caplog.at_level(logging.DEBUG, logger="haishin"):
        draining = asyncio.create_task(worker.drain())
        # Every channel's parent went out and its record failed: twenty groups, one outage.
        await eventually(lambda: len(world.slack.sends) == len(channels))
        await eventually(lambda: "delivery sends" in world.db.health.failing())
        assert world.db.health.failing()["delivery sends"]["state"] == "failing"
        await run_sql(world, ALLOW[world.db.dialect])
        await asyncio.wait_for(draining, timeout=30)

    assert world.db.health.state == "ok"
    for channel in channels:
        assert world.slack.units_to(channel) == [
            "parent",
            "topic",
            "articles",
            "shorts",
            "afterword",
        ]
    assert world.slack.duplicates() == []
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    said = [r.getMessage() for r in loud]
    assert sum("database writes failing (delivery sends)" in m for m in said) == 1, said
    assert sum("database writes work again (delivery sends)" in m for m in said) == 1, said
    assert [r.getMessage() for r in loud if r.exc_info] == []  # tracebacks only at DEBUG
    quiet = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert len(quiet) >= len(channels)  # each group's own, for whoever needs it
