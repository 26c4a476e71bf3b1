"""LINE audience groups haishin made, and the narrowcasts LINE accepted (see ``line_tables``).

An audience group is named by a digest of its sorted user ids, so the same membership finds
the group already uploaded; a narrowcast is kept by the ledger row that sent it, so a send
in doubt can be looked up by its request id instead of being sent again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.storage.base import Repository
from core.storage.line_tables import LineAudienceGroupRow, LineNarrowcastRow


def members_key(user_ids: Iterable[str]) -> str:
    """The digest that names a membership (order and repeats don't matter)."""
    digest = hashlib.sha256()
    for user_id in sorted(set(user_ids)):
        digest.update(user_id.encode() + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class AudienceGroup:
    """An uploaded audience group."""

    members: str
    audience_group_id: int
    size: int
    used_at: datetime


@dataclass(frozen=True, slots=True)
class Narrowcast:
    """A narrowcast LINE accepted for one ledger row."""

    delivery_id: str
    request_id: str
    audience_group_id: int
    phase: str


class LineAudienceGroups(Repository):
    """The audience groups and narrowcasts of the LINE account."""

    async def find(self, members: str) -> AudienceGroup | None:
        """The group holding exactly these members (by ``members_key``), if uploaded."""
        async with self._read() as session:
            row = await session.get(LineAudienceGroupRow, members)
            return None if row is None else _group(row)

    async def keep(self, members: str, audience_group_id: int, size: int) -> int:
        """Remember an uploaded group, used now, unless another process kept one of the same
        members first; returns the id kept (the other's, when it was first)."""
        now = self._clock.now()
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        values = {
            "members": members,
            "audience_group_id": audience_group_id,
            "size": size,
            "created_at": now,
            "used_at": now,
        }
        statement = insert(LineAudienceGroupRow).values(values)
        statement = statement.on_conflict_do_nothing(index_elements=["members"])
        async with self._write() as session:
            await session.execute(statement)
            kept = await session.scalar(
                select(LineAudienceGroupRow.audience_group_id).where(
                    LineAudienceGroupRow.members == members
                )
            )
        return int(kept if kept is not None else audience_group_id)

    async def used(self, members: str) -> None:
        """Note that a group was used now."""
        async with self._write() as session:
            row = await session.get(LineAudienceGroupRow, members)
            if row is not None:
                row.used_at = self._clock.now()

    async def all(self) -> list[AudienceGroup]:
        """Every group haishin keeps, most recently used first."""
        query = select(LineAudienceGroupRow).order_by(LineAudienceGroupRow.used_at.desc())
        async with self._read() as session:
            return [_group(row) for row in await session.scalars(query)]

    async def forget(self, members: str) -> None:
        """Drop a group (deleted on LINE, or gone there)."""
        async with self._write() as session:
            await session.execute(
                delete(LineAudienceGroupRow).where(LineAudienceGroupRow.members == members)
            )

    async def accepted(self, delivery_id: str, request_id: str, audience_group_id: int) -> None:
        """Keep the request id of a narrowcast LINE accepted (idempotent)."""
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        statement = insert(LineNarrowcastRow).values(
            delivery_id=delivery_id,
            request_id=request_id,
            audience_group_id=audience_group_id,
            phase="waiting",
            accepted_at=self._clock.now(),
        )
        statement = statement.on_conflict_do_nothing(index_elements=["delivery_id"])
        async with self._write() as session:
            await session.execute(statement)

    async def narrowcast(self, delivery_id: str) -> Narrowcast | None:
        """The narrowcast a ledger row made, if LINE accepted one."""
        async with self._read() as session:
            row = await session.get(LineNarrowcastRow, delivery_id)
            if row is None:
                return None
            return Narrowcast(row.delivery_id, row.request_id, row.audience_group_id, row.phase)

    async def phase(self, delivery_id: str, phase: str) -> None:
        """Record where a narrowcast got to (``succeeded``, ``failed``...)."""
        async with self._write() as session:
            row = await session.get(LineNarrowcastRow, delivery_id)
            if row is not None:
                row.phase = phase[:16]

    async def unfinished_groups(self) -> set[int]:
        """Audience groups of narrowcasts not yet known to be over (still needed)."""
        query = select(LineNarrowcastRow.audience_group_id).where(
            LineNarrowcastRow.phase.in_(("waiting", "sending"))
        )
        async with self._read() as session:
            return set(await session.scalars(query))


def _group(row: LineAudienceGroupRow) -> AudienceGroup:
    return AudienceGroup(row.members, row.audience_group_id, row.size, row.used_at)
