"""Which bot token speaks for a workspace (OAuth): found once, shared, forgotten when refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from bots.slack.tokens import InstalledTokens
from core.errors import DeliveryError


class CountingStore(AsyncInstallationStore):
    """An installation store in memory that counts lookups and answers after a pause."""

    def __init__(self, bots: dict[str, str]) -> None:
        self.bots = bots
        self.lookups = 0

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        self.lookups += 1
        await asyncio.sleep(0.01)  # a database round trip: other callers arrive meanwhile
        token = self.bots.get(kwargs["team_id"])
        if token is None:
            return None
        return Bot(bot_token=token, bot_id="B1", bot_user_id="U1", installed_at=0.0)


async def test_a_workspace_whose_channels_all_start_at_once_is_looked_up_once() -> None:
    store = CountingStore({"T1": "xoxb-1", "T2": "xoxb-2"})
    tokens = InstalledTokens(store)
    found = await asyncio.gather(*(tokens.token(team) for team in ["T1", "T2"] * 20))
    assert found == ["xoxb-1", "xoxb-2"] * 20
    assert store.lookups == 2


async def test_a_forgotten_token_is_looked_up_again_and_an_uninstalled_workspace_is_refused() -> (
    None
):
    store = CountingStore({"T1": "xoxb-old"})
    tokens = InstalledTokens(store)
    assert await tokens.token("T1") == "xoxb-old"
    store.bots["T1"] = "xoxb-new"  # reinstalled; Slack refused the old one
    tokens.forget("T1")
    assert await tokens.token("T1") == "xoxb-new"
    with pytest.raises(DeliveryError) as refused:
        await tokens.token("T9")
    assert refused.value.code == "not_installed" and not refused.value.retryable
    assert "/slack/install" in refused.value.message
