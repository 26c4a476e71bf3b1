"""Which bot token speaks for a workspace: one fixed token, or the installation store's."""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from core.errors import DeliveryError, TokenDead

TOKEN_TTL_SECONDS = 300.0


class TokenSource(ABC):
    """Finds the bot token of a Slack workspace (team id)."""

    @abstractmethod
    async def token(self, workspace: str | None) -> str:
        """The bot token for ``workspace``.

        Raises:
            DeliveryError: (permanent) haishin is not installed there.
        """

    def forget(self, workspace: str | None) -> None:  # noqa: B027
        """Drop a cached token (Slack said it no longer works)."""


class StaticToken(TokenSource):
    """Single-workspace mode: the one ``SLACK_BOT_TOKEN`` for every send."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def token(self, workspace: str | None) -> str:
        return self._token


class InstalledTokens(TokenSource):
    """OAuth mode: each workspace's bot token from slack_sdk's installation store.

    Tokens are cached for a few minutes so a fan-out does not query the store per message;
    a token Slack refuses is forgotten at once (``forget``).

    Args:
        store: the installation store the OAuth flow saves into.
        ttl: seconds a found token is reused.
        now: a monotonic clock.
    """

    def __init__(
        self,
        store: AsyncInstallationStore,
        *,
        ttl: float = TOKEN_TTL_SECONDS,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._now = now
        self._cache: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def token(self, workspace: str | None) -> str:
        if not workspace:
            raise DeliveryError(
                "a Slack send needs the workspace (team id) in multi-workspace mode; "
                "address it as slack:TEAM/CHANNEL",
                platform="slack",
                retryable=False,
                code="no_workspace",
            )
        cached = self._cache.get(workspace)
        if cached is not None and cached[1] > self._now():
            return cached[0]
        # A fan-out starts every channel of a workspace at once: one of them reads the
        # store, the others wait for its answer.
        async with self._locks.setdefault(workspace, asyncio.Lock()):
            cached = self._cache.get(workspace)
            if cached is not None and cached[1] > self._now():
                return cached[0]
            return await self._find(workspace)

    async def _find(self, workspace: str) -> str:
        bot = await self._store.async_find_bot(
            enterprise_id=None, team_id=workspace, is_enterprise_install=False
        )
        if bot is None or not bot.bot_token:
            raise TokenDead(
                f"haishin is not installed in Slack workspace {workspace} (or was uninstalled); "
                "install it again through /slack/install",
                platform="slack",
                code="not_installed",
            )
        self._cache[workspace] = (bot.bot_token, self._now() + self._ttl)
        return bot.bot_token

    def forget(self, workspace: str | None) -> None:
        if workspace:
            self._cache.pop(workspace, None)
