"""The database: URLs, migrations, and SQLite made fit for concurrent use."""

from __future__ import annotations

import asyncio
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select, text

from core.errors import ConfigError
from core.storage.database import Database
from core.storage.migrate import alembic_config
from core.storage.migrate import head_revision as migration_files_head
from core.storage.models import ConversationStateRow
from core.storage.revision import include_object
from core.storage.schema import metadata
from tests.conftest import scratch_postgres_database

TABLES = {
    "issues",
    "issue_revisions",
    "issue_sections",
    "issue_items",
    "subscriptions",
    "deliveries",
    "processed_events",
    "line_followers",
    "conversation_state",
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
}


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert migration_files_head() == head_revision()


async def test_a_database_behind_the_files_is_migrated_and_one_at_the_head_kept(
    tmp_path: Path,
) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'behind.db'}")
    try:
        await db.migrate()
        async with db.engine.begin() as conn:  # as a database left by the previous release
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "-1"))
        assert await db.schema_revision() != head_revision()
        await db.migrate(apart=True)  # as `haishin serve` upgrades: in a child process
        assert await db.schema_revision() == head_revision()
        await db.migrate()  # at the head: nothing to do
        assert await db.schema_revision() == head_revision()
    finally:
        await db.dispose()


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


@pytest.mark.parametrize("apart", [False, True], ids=["here", "in-a-child"])
async def test_migrate_creates_every_table_and_is_idempotent(
    database_url: str, apart: bool
) -> None:
    db = Database.from_url(database_url)
    try:
        assert await db.schema_revision() is None
        await db.migrate(apart=apart)
        await db.migrate(apart=apart)
        assert await db.schema_revision() == head_revision()
        assert await table_names(db) >= TABLES
    finally:
        await db.dispose()


async def test_processes_starting_at_once_migrate_once(database_url: str) -> None:
    # Separate Database objects have separate pools, as separate processes would.
    dbs = [Database.from_url(database_url) for _ in range(4)]
    try:
        await asyncio.gather(*(db.migrate() for db in dbs))
        for db in dbs:
            assert await db.schema_revision() == head_revision()
    finally:
        for db in dbs:
            await db.dispose()


@pytest.mark.postgres
async def test_upgrades_in_forked_processes_at_once_migrate_once() -> None:
    """Four upgrades at once, each in a forked process of its own (as `haishin serve`
    upgrades), queue on the advisory lock. Not on SQLite: a fork while this process holds
    another connection to the file copies SQLite's in-process lock records into the child,
    which SQLite forbids (`serve` forks with no connection open)."""
    with scratch_postgres_database() as url:
        dbs = [Database.from_url(url) for _ in range(4)]
        try:
            await asyncio.gather(*(db.migrate(apart=True) for db in dbs))
            for db in dbs:
                assert await db.schema_revision() == head_revision()
        finally:
            for db in dbs:
                await db.dispose()


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _: include_object(None, name, kind, True, None),
                "include_object": include_object,
            },
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # about the expression index left out below
            return list(compare_metadata(context, metadata()))

    async with database.engine.connect() as conn:
        diff = await conn.run_sync(differences)
    assert diff == []


def test_from_url_picks_async_drivers_and_keeps_a_sync_url(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "haishin.db"
    sqlite = Database.from_url(f"sqlite:///{path}")
    assert sqlite.dialect == "sqlite"
    assert sqlite.url.drivername == "sqlite+aiosqlite"
    assert sqlite.sync_url == f"sqlite:///{path}"
    assert path.parent.is_dir(), "the SQLite file's folder is created"

    for written in (
        "postgresql://bot:secret@db.example:5433/haishin",
        "postgres://bot:secret@db.example:5433/haishin",
        "postgresql+psycopg://bot:secret@db.example:5433/haishin",
        "postgresql+psycopg2://bot:secret@db.example:5433/haishin",
        "postgresql+asyncpg://bot:secret@db.example:5433/haishin",
    ):
        pg = Database.from_url(written)
        assert pg.dialect == "postgresql"
        assert pg.engine.dialect.driver == "psycopg"
        assert pg.engine.dialect.is_async
        assert pg.sync_url == "postgresql+psycopg://bot:secret@db.example:5433/haishin"
        assert "secret" not in repr(pg)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url", "is not a URL"),
        ("mysql://localhost/haishin", "is not supported"),
        ("sqlite:///:memory:", "in-memory SQLite"),
        ("sqlite://", "in-memory SQLite"),
    ],
)
def test_bad_urls_are_refused_with_a_hint(url: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        Database.from_url(url)
    assert "sqlite:///haishin.db" in str(caught.value)


def test_passwords_stay_out_of_error_messages() -> None:
    with pytest.raises(ConfigError) as caught:
        Database.from_url("mysql://bot:hunter2@localhost/haishin")
    assert "hunter2" not in str(caught.value)


async def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        async with db.engine.connect() as conn:
            pragmas = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}
    finally:
        await db.dispose()


async def test_sqlite_writers_that_read_first_never_see_database_is_locked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    first, second = Database.from_url(url), Database.from_url(url)
    await first.migrate()

    async def read_then_write(db: Database, n: int) -> None:
        async with db.transaction() as session:
            # A deferred transaction would take a read snapshot here and then fail at once
            # with SQLITE_BUSY when another writer commits before it writes.
            await session.scalar(select(ConversationStateRow.cursor).limit(1))
            await asyncio.sleep(0)
            session.add(
                ConversationStateRow(
                    platform="slack",
                    conversation_id=f"C{n}",
                    cursor={"n": n},
                    updated_at=_now(),
                )
            )

    try:
        await asyncio.gather(*(read_then_write((first, second)[n % 2], n) for n in range(40)))
        async with first.session(readonly=True) as session:
            stored = set(await session.scalars(select(ConversationStateRow.conversation_id)))
        assert stored == {f"C{n}" for n in range(40)}
    finally:
        await first.dispose()
        await second.dispose()


async def test_sqlite_readers_are_not_held_up_by_an_open_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    writer, reader = Database.from_url(url), Database.from_url(url)
    await writer.migrate()
    try:
        async with writer.transaction() as session:
            session.add(
                ConversationStateRow(
                    platform="line",
                    conversation_id="U1",
                    cursor=["x"],
                    updated_at=_now(),
                )
            )
            await session.flush()
            # The write lock is held until this block ends; a read still gets through
            # (a guard, not a timing: a blocked read would wait for the 30 s busy timeout).
            async with reader.session(readonly=True) as other:
                seen = await asyncio.wait_for(
                    other.scalar(select(ConversationStateRow.conversation_id)), timeout=10
                )
            assert seen is None, "readers see only committed rows"
    finally:
        await writer.dispose()
        await reader.dispose()


def _now() -> datetime:
    from datetime import UTC, datetime

    return datetime(2025, 10, 4, tzinfo=UTC)
