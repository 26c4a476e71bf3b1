"""Conversation cursors: the "next part" a reader can still ask for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.clock import FixedClock
from core.storage import ConversationState
from core.storage.conversations import DatabaseConversations
from core.storage.database import Database

NOW = datetime(2025, 10, 4, 9, 0, tzinfo=UTC)


async def test_a_cursor_is_kept_replaced_and_forgotten(database: Database) -> None:
    clock = FixedClock(NOW)
    state = ConversationState(database, clock=clock)
    assert await state.get("slack", "C1") is None
    await state.set("slack", "C1", {"issue": 3, "section": "topic", "part": 2})
    await state.set("line", "C1", ["other", "platform"])
    assert await state.get("slack", "C1") == {"issue": 3, "section": "topic", "part": 2}

    clock.advance(timedelta(minutes=5))
    await state.set("slack", "C1", {"issue": 3, "section": "topic", "part": 3})
    assert await state.get("slack", "C1") == {"issue": 3, "section": "topic", "part": 3}
    assert await state.get("slack", "C1", max_age=timedelta(minutes=1)) is not None
    clock.advance(timedelta(hours=2))
    assert await state.get("slack", "C1", max_age=timedelta(hours=1)) is None

    await state.set("slack", "C1", None)
    assert await state.get("slack", "C1") is None
    assert await state.get("line", "C1") == ["other", "platform"]


async def test_stale_cursors_are_pruned(database: Database) -> None:
    clock = FixedClock(NOW)
    state = ConversationState(database, clock=clock)
    await state.set("slack", "old", {"n": 1})
    clock.advance(timedelta(days=2))
    await state.set("slack", "new", {"n": 2})
    assert await state.prune(NOW + timedelta(days=1)) == 1
    assert await state.get("slack", "old") is None
    assert await state.get("slack", "new") == {"n": 2}


async def test_the_command_engine_port_continues_across_processes(database_url: str) -> None:
    one, two = Database.from_url(database_url), Database.from_url(database_url)
    try:
        await one.migrate()
        await DatabaseConversations(one).set("line", "U1", "issue 3 topic part 2")
        assert await DatabaseConversations(two).get("line", "U1") == "issue 3 topic part 2"
        await DatabaseConversations(two).set("line", "U1", None)
        assert await DatabaseConversations(one).get("line", "U1") is None
    finally:
        await one.dispose()
        await two.dispose()


async def test_only_changes_are_written(database: Database) -> None:
    store = DatabaseConversations(database)
    await store.set("line", "U1", None)  # unknown here: another process may have a cursor
    assert store.writes == 1
    await store.set("line", "U1", None)  # a short answer after a short answer: nothing
    await store.set("line", "U1", "issue 1 topic p4")
    await store.set("line", "U1", "issue 1 topic p4")
    assert store.writes == 2
    assert await DatabaseConversations(database).get("line", "U1") == "issue 1 topic p4"


async def test_written_behind_in_one_transaction_yet_read_at_once(database: Database) -> None:
    store = DatabaseConversations(database, write_behind=60.0)
    for user in ("U1", "U2", "U3"):
        await store.set("line", user, f"issue 1 topic p2 {user}")
    await store.set("line", "U2", None)
    assert store.writes == 0
    assert await store.get("line", "U1") == "issue 1 topic p2 U1"  # waiting, yet seen here
    assert await DatabaseConversations(database).get("line", "U1") is None  # not yet written
    await store.flush()
    assert store.writes == 1
    elsewhere = DatabaseConversations(database)
    assert await elsewhere.get("line", "U1") == "issue 1 topic p2 U1"
    assert await elsewhere.get("line", "U2") is None
    assert await elsewhere.get("line", "U3") == "issue 1 topic p2 U3"
