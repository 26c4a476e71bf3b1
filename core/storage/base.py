"""What every repository shares: where its sessions come from, and the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, SystemClock
from core.storage.database import Database


class Repository:
    """Base of the repositories.

    Built on a ``Database``, each method runs in its own transaction. Built on an
    ``AsyncSession``, methods run in that session's transaction and never commit, so a caller
    can make several repository calls one atomic unit.
    """

    def __init__(self, source: Database | AsyncSession, *, clock: Clock | None = None) -> None:
        self._source = source
        self._clock = clock or SystemClock()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        if isinstance(self._source, Database):
            return self._source.dialect
        bind = self._source.bind
        assert bind is not None, "a repository's session must be bound to an engine"
        return bind.dialect.name

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        if isinstance(self._source, AsyncSession):
            yield self._source
            await self._source.flush()
            return
        async with self._source.transaction() as session:
            yield session

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncSession]:
        if isinstance(self._source, AsyncSession):
            yield self._source
            return
        async with self._source.session(readonly=True) as session, session.begin():
            yield session
