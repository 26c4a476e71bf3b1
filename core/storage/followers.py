"""LINE followers: who follows the account, their language and the sections they chose."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.storage.base import Repository
from core.storage.models import ConversationStateRow, LineFollowerRow, SubscriptionRow


@dataclass(frozen=True, slots=True)
class LineFollower:
    """A follower of the LINE account. ``sections`` empty means every section."""

    user_id: str
    language: str | None
    sections: tuple[str, ...]
    active: bool
    followed_at: datetime


class LineFollowers(Repository):
    """The LINE account's followers, and who asked for no deliveries in chat ("配信停止"):
    such a follower stays known (their section choice is kept for when they resume) but
    gets no deliveries."""

    async def add(self, user_id: str, *, language: str | None = None) -> None:
        """Record a follow: a new follower gets every section; a known one (a repeated
        follow event) keeps its choice and is active again. ``language`` None keeps the
        language known so far."""
        now = self._clock.now()
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        statement = insert(LineFollowerRow).values(
            user_id=user_id,
            language=language,
            sections=[],
            active=True,
            followed_at=now,
            updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["user_id"],
            set_={
                "language": func.coalesce(statement.excluded.language, LineFollowerRow.language),
                "active": True,
                "updated_at": now,
            },
        )
        async with self._write() as session:
            await session.execute(statement)

    async def update(
        self,
        user_id: str,
        *,
        language: str | None = None,
        sections: Sequence[str] | None = None,
    ) -> bool:
        """Change a follower's language and/or sections; False when there is no such follower."""
        async with self._write() as session:
            row = await session.get(LineFollowerRow, user_id)
            if row is None:
                return False
            if language is not None:
                row.language = language
            if sections is not None:
                row.sections = list(dict.fromkeys(sections))
            row.updated_at = self._clock.now()
            return True

    async def remove(self, user_id: str) -> None:
        """Forget a follower entirely (an unfollow): the follower row, its conversation
        state and any subscription targeting the user, with their ledger rows."""
        async with self._write() as session:
            await session.execute(delete(LineFollowerRow).where(LineFollowerRow.user_id == user_id))
            await session.execute(
                delete(ConversationStateRow).where(
                    ConversationStateRow.platform == "line",
                    ConversationStateRow.conversation_id == user_id,
                )
            )
            await session.execute(
                delete(SubscriptionRow).where(
                    SubscriptionRow.platform == "line", SubscriptionRow.target == user_id
                )
            )

    async def get(self, user_id: str) -> LineFollower | None:
        """One follower, or None."""
        async with self._read() as session:
            row = await session.get(LineFollowerRow, user_id)
            return None if row is None else _follower(row)

    async def active(self) -> list[LineFollower]:
        """Every active follower, oldest follow first."""
        query = (
            select(LineFollowerRow)
            .where(LineFollowerRow.active.is_(True))
            .order_by(LineFollowerRow.followed_at, LineFollowerRow.user_id)
        )
        async with self._read() as session:
            return [_follower(row) for row in await session.scalars(query)]

    async def active_by_sections(self) -> dict[tuple[str, ...], list[str]]:
        """Active followers' user ids grouped by section choice (sorted keys; ``()`` = all).

        One group is one multicast audience; the ``()`` group may be a broadcast.
        """
        groups: dict[tuple[str, ...], list[str]] = {}
        for follower in await self.active():
            groups.setdefault(tuple(sorted(follower.sections)), []).append(follower.user_id)
        return groups

    async def count(self) -> int:
        """How many followers are active."""
        query = select(func.count()).where(LineFollowerRow.active.is_(True))
        async with self._read() as session:
            return int(await session.scalar(query) or 0)

    async def set_active(self, user_id: str, active: bool) -> bool:
        """Pause (False) or resume (True) deliveries to a follower; False if unknown."""
        async with self._write() as session:
            row = await session.get(LineFollowerRow, user_id)
            if row is None:
                return False
            row.active = active
            row.updated_at = self._clock.now()
            return True

    async def choose(self, user_id: str, sections: Sequence[str]) -> None:
        """Subscribe a reader to some sections (none: all) and resume deliveries, atomically
        (a reader who never followed, e.g. written before the follow was recorded, is added)."""
        async with self._write() as session:
            book = LineFollowers(session, clock=self._clock)
            await book.add(user_id)
            await book.update(user_id, sections=sections)
            await book.set_active(user_id, True)

    async def opted_out(self) -> int:
        """How many known followers asked for no deliveries."""
        query = select(func.count()).where(LineFollowerRow.active.is_(False))
        async with self._read() as session:
            return int(await session.scalar(query) or 0)


def _follower(row: LineFollowerRow) -> LineFollower:
    return LineFollower(
        user_id=row.user_id,
        language=row.language,
        sections=tuple(row.sections),
        active=row.active,
        followed_at=row.followed_at,
    )
