"""Signed-in console sessions, kept in the database so that signing out ends them everywhere.

A browser holds only a random session id; the table holds a hash of it (a copy of the table
opens no console), which admin token it was signed in with, and when it expires. Every
``haishin serve`` process on the same database sees a sign-out at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Repository
from core.storage.models import Base


class ConsoleSessionRow(Base):
    """One signed-in browser."""

    __tablename__ = "console_sessions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_mark: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ConsoleSessions(Repository):
    """Starts, checks and ends console sessions (``key``: a hash of the browser's id)."""

    async def start(self, key: str, token_mark: str, *, now: datetime, expires: datetime) -> None:
        """Record a new session (and forget the expired ones)."""
        async with self._write() as session:
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at <= now)
            )
            session.add(
                ConsoleSessionRow(
                    key=key, token_mark=token_mark, created_at=now, expires_at=expires
                )
            )

    async def valid(self, key: str, token_mark: str, *, now: datetime) -> bool:
        """True while the session exists, is unexpired and was made with this admin token."""
        query = select(ConsoleSessionRow.token_mark, ConsoleSessionRow.expires_at).where(
            ConsoleSessionRow.key == key
        )
        async with self._read() as session:
            row = (await session.execute(query)).first()
        return row is not None and row[0] == token_mark and row[1] > now

    async def end(self, key: str) -> None:
        """Forget a session (signing out)."""
        async with self._write() as session:
            await session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.key == key))
