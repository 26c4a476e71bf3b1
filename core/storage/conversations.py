"""Where a conversation left off: a JSON cursor per (platform, conversation)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import Clock
from core.commands.conversations import ConversationStore
from core.storage.base import Repository
from core.storage.database import Database
from core.storage.models import ConversationStateRow


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

    async def prune(self, older_than: datetime) -> int:
        """Forget cursors not touched since ``older_than``; returns how many."""
        async with self._write() as session:
            result = await session.execute(
                delete(ConversationStateRow).where(ConversationStateRow.updated_at < older_than)
            )
            return int(getattr(result, "rowcount", 0))


class DatabaseConversations(ConversationStore):
    """The command engine's ``ConversationStore`` (the pending "next page" command), kept in
    the database so any process can continue a conversation another one started."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._state = ConversationState(db, clock=clock)

    async def get(self, platform: str, conversation: str) -> str | None:
        cursor = await self._state.get(platform, conversation)
        if isinstance(cursor, dict) and isinstance(cursor.get("command"), str):
            return str(cursor["command"])
        return None

    async def set(self, platform: str, conversation: str, command: str | None) -> None:
        cursor = None if command is None else {"command": command}
        await self._state.set(platform, conversation, cursor)
