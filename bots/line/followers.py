"""LINE followers as the bot needs them: who may be sent to, and who said "stop".

Extends ``core.storage.LineFollowers`` with the opt-out a reader asks for in chat ("配信停止"):
the follower stays known (their section choice is kept for when they resume) but gets no
deliveries: ``line:all`` leaves them out (see ``bots.line.reach``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from core.storage import LineFollowers
from core.storage.models import LineFollowerRow


class LineAudienceBook(LineFollowers):
    """``LineFollowers`` plus opting out and the audience plan of a digest."""

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
            book = LineAudienceBook(session, clock=self._clock)
            await book.add(user_id)
            await book.update(user_id, sections=sections)
            await book.set_active(user_id, True)

    async def opted_out(self) -> int:
        """How many known followers asked for no deliveries."""
        query = select(func.count()).where(LineFollowerRow.active.is_(False))
        async with self._read() as session:
            return int(await session.scalar(query) or 0)

    async def opted_out_ids(self) -> list[str]:
        """The known followers who asked for no deliveries."""
        query = select(LineFollowerRow.user_id).where(LineFollowerRow.active.is_(False))
        async with self._read() as session:
            return list(await session.scalars(query))
