"""Where a conversation left off: a JSON cursor per (platform, conversation)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from cachetools import LRUCache
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import Clock
from core.commands.conversations import ConversationStore
from core.storage.base import Repository
from core.storage.database import Database
from core.storage.models import ConversationStateRow

_ROWS_PER_STATEMENT = 500  # 4 parameters a row, well within SQLite's 32,766
_WRITER = "conversation cursors"


class ConversationState(Repository):
    """A small JSON cursor per conversation (the "next part" of a long answer)."""

    async def get(
        self, platform: str, conversation_id: str, *, max_age: timedelta | None = None
    ) -> Any | None:
        """The cursor, or None when there is none (or it is older than ``max_age``)."""
        async with self._read() as session:
            row = await session.get(ConversationStateRow, (platform, conversation_id))
            if row is None:
                return None
            if max_age is not None and row.updated_at < self._clock.now() - max_age:
                return None
            return row.cursor

    async def set(self, platform: str, conversation_id: str, cursor: Any | None) -> None:
        """Remember a cursor (any JSON value but null); None forgets it."""
        async with self._write() as session:
            if cursor is None:
                await session.execute(
                    delete(ConversationStateRow).where(
                        ConversationStateRow.platform == platform,
                        ConversationStateRow.conversation_id == conversation_id,
                    )
                )
                return
            insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
            now = self._clock.now()
            statement = insert(ConversationStateRow).values(
                platform=platform, conversation_id=conversation_id, cursor=cursor, updated_at=now
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["platform", "conversation_id"],
                    set_={"cursor": statement.excluded.cursor, "updated_at": now},
                )
            )

    async def set_many(self, cursors: dict[tuple[str, str], Any | None]) -> None:
        """Set (or, with None, forget) the cursors of many (platform, conversation) pairs in
        one transaction: one upsert for the cursors, one delete per platform forgotten."""
        now = self._clock.now()
        rows = [
            {"platform": p, "conversation_id": c, "cursor": cursor, "updated_at": now}
            for (p, c), cursor in cursors.items()
            if cursor is not None
        ]
        forgotten: dict[str, list[str]] = {}
        for (p, c), cursor in cursors.items():
            if cursor is None:
                forgotten.setdefault(p, []).append(c)
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        # One upsert, compiled once and cached, over all the rows (the driver's executemany).
        statement = insert(ConversationStateRow.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "conversation_id"],
            set_={"cursor": statement.excluded.cursor, "updated_at": statement.excluded.updated_at},
        )
        async with self._write() as session:
            if rows:
                await session.execute(statement, rows)
            for platform, ids in forgotten.items():
                for start in range(0, len(ids), _ROWS_PER_STATEMENT):
                    await session.execute(
                        delete(ConversationStateRow).where(
                            ConversationStateRow.platform == platform,
                            ConversationStateRow.conversation_id.in_(
                                ids[start : start + _ROWS_PER_STATEMENT]
                            ),
                        )
                    )

    async def prune(self, older_than: datetime) -> int:
        """Forget cursors not touched since ``older_than``; returns how many."""
        async with self._write() as session:
            result = await session.execute(
                delete(ConversationStateRow).where(ConversationStateRow.updated_at < older_than)
            )
            return int(getattr(result, "rowcount", 0))


class DatabaseConversations(ConversationStore):
    """The command engine's ``ConversationStore`` (the pending "next page" command), kept in
    the database so any process can continue a conversation another one started.

    Only a change is written: the store remembers (for the last ``remember`` conversations)
    what it last wrote or read, and an answer that leaves the cursor as it was, the common
    case for a reader who asks for one short section after another, costs nothing. With
    ``write_behind`` seconds, changes wait that long and go out together in one transaction
    (two statements), so a burst of answers makes a few writes, not one each; ``get`` sees a
    waiting change at once. A cursor is a convenience, so the few changes waiting at a crash
    may be lost (the reader's "next" then says there is nothing to continue).

    What another process wrote since this one last looked is not known here: in that case a
    change back to what this process remembers is not written.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        write_behind: float = 0.0,
        remember: int = 10_000,
    ) -> None:
        self._state = ConversationState(db, clock=clock)
        self._health = db.health
        self._write_behind = write_behind
        # LRU: the conversations going on now stay known; one that went quiet is read again.
        self._known: LRUCache[tuple[str, str], str | None] = LRUCache(remember)
        self._pending: dict[tuple[str, str], str | None] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()
        self.writes = 0  # transactions written (for benchmarks and tests)

    async def get(self, platform: str, conversation: str) -> str | None:
        key = (platform, conversation)
        if key in self._pending:
            return self._pending[key]
        command = _command_of(await self._state.get(platform, conversation))
        self._remember(key, command)
        return command

    async def set(self, platform: str, conversation: str, command: str | None) -> None:
        key = (platform, conversation)
        # What this process last wrote (or has waiting) or read for the conversation.
        if self._known.get(key, _UNKNOWN) == command:
            return  # nothing to store
        self._remember(key, command)
        self._pending[key] = command
        if self._write_behind <= 0:
            await self.flush()
        elif self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush_soon(), name="conversation-writes"
            )

    async def flush(self) -> None:
        """Write every waiting change now, in one transaction (after any write under way)."""
        async with self._writing:
            pending, self._pending = self._pending, {}
            if not pending:
                return
            try:
                await self._state.set_many(
                    {key: None if c is None else {"command": c} for key, c in pending.items()}
                )
                self.writes += 1
            except BaseException:
                self._pending = {**pending, **self._pending}  # newer changes win
                raise

    async def _flush_soon(self) -> None:
        pause = self._write_behind
        while self._pending:
            await asyncio.sleep(pause)
            try:
                await self.flush()
            except Exception as exc:  # logged once per outage, retried with growing pauses
                pause = max(self._write_behind, self._health.failed(_WRITER, exc))
            else:
                self._health.succeeded(_WRITER)
                pause = self._write_behind

    def _remember(self, key: tuple[str, str], command: str | None) -> None:
        self._known[key] = command


_UNKNOWN = object()


def _command_of(cursor: Any) -> str | None:
    if isinstance(cursor, dict) and isinstance(cursor.get("command"), str):
        return str(cursor["command"])
    return None
