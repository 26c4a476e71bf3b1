"""Where a conversation left off, so "next" (次へ) can continue a long answer."""

from __future__ import annotations

from abc import ABC, abstractmethod


class ConversationStore(ABC):
    """Remembers the command that fetches the next page, per conversation."""

    @abstractmethod
    async def get(self, platform: str, conversation: str) -> str | None:
        """The pending "next page" command, if any."""

    @abstractmethod
    async def set(self, platform: str, conversation: str, command: str | None) -> None:
        """Remember (or, with None, forget) the next-page command."""

    async def flush(self) -> None:  # noqa: B027  (optional: most stores write at once)
        """Write whatever waits to be written (a store that batches its writes)."""


class InMemoryConversations(ConversationStore):
    """A bounded in-process store; the oldest conversations are forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._pending: dict[tuple[str, str], str] = {}

    async def get(self, platform: str, conversation: str) -> str | None:
        return self._pending.get((platform, conversation))

    async def set(self, platform: str, conversation: str, command: str | None) -> None:
        key = (platform, conversation)
        self._pending.pop(key, None)
        if command is not None:
            self._pending[key] = command
            while len(self._pending) > self._capacity:
                del self._pending[next(iter(self._pending))]
