"""build_slack: off without settings, on with them; /healthz; a digest to a subscribed channel."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bots.bootstrap import bootstrap
from bots.settings import Settings
from bots.slack.app import SCOPES, build_slack
from bots.slack.publisher import SlackPublisher
from core.ports import Audience, Digest, SendJob
from core.storage import SubscriptionRepository
from tests.bots.slack.conftest import SlackHarness, slack_settings
from tests.conftest import CONTENT
from tests.fakes import slack_blockkit
from tests.fakes.slack_api import FakeSlackAPI

MANIFEST = Path(__file__).resolve().parents[3] / "bots" / "slack" / "manifest.yaml"


async def test_slack_is_off_without_settings_and_says_how_to_turn_it_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'off.db'}",
        slack_signing_secret=None,
        slack_bot_token=None,
        slack_client_id=None,
        slack_client_secret=None,
    )
    services = await bootstrap(settings)
    try:
        with caplog.at_level(logging.INFO, logger="haishin.slack"):
            assert build_slack(services) is None
    finally:
        await services.close()
    [line] = [r.getMessage() for r in caplog.records if r.name == "haishin.slack"]
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        assert name in line


async def test_a_lower_send_timeout_reaches_the_publisher_but_never_a_higher_one(
    tmp_path: Path, slack_api: FakeSlackAPI
) -> None:
    settings = slack_settings(tmp_path, slack_api).model_copy(
        update={"content_dir": CONTENT, "send_timeout_seconds": 5, "settle_seconds": 5}
    )
    services = await bootstrap(settings)
    try:
        platform = build_slack(services)
        assert platform is not None
        publisher = platform.publisher
        assert isinstance(publisher, SlackPublisher)
        assert publisher.timeout == 5
        assert publisher.settling.settle == timedelta(seconds=5)
    finally:
        await services.close()
    with pytest.raises(ValidationError, match="HAISHIN_SEND_TIMEOUT_SECONDS"):
        Settings(_env_file=None, HAISHIN_SEND_TIMEOUT_SECONDS=16)  # type: ignore[call-arg]


async def test_healthz_reports_slack_on(haishin: SlackHarness) -> None:
    # The details are for this machine (the console's rule); the fixture's host is public.
    health = (await haishin.http.get("/healthz", headers={"host": "127.0.0.1:8000"})).json()
    assert health["platforms"]["slack"]["on"] is True
    assert health["platforms"]["slack"]["mode"] == "single-workspace"


async def test_a_subscribed_channel_gets_the_digest_as_a_parent_and_its_thread(
    haishin: SlackHarness,
) -> None:
    """What a reviewer does: subscribe a channel, trigger a digest, read the channel."""
    await haishin.command("subscribe", channel_id="C0NEWS")
    [subscription] = await SubscriptionRepository(haishin.services.db).list(platform="slack")
    publisher = haishin.platform.publisher
    assert publisher is not None
    record = await haishin.services.library.latest(haishin.services.clock.now())
    assert record is not None
    digest = Digest(haishin.services.profile.name, record.issue, subscription.sections)
    audience = Audience("slack", subscription.workspace, (subscription.target,))
    units = publisher.plan(digest)
    haishin.slack.reset()
    parent = None
    for unit in units:
        job = SendJob(
            f"{subscription.id}-{unit}",
            audience,
            digest,
            unit,
            thread_ref=parent.ref if parent else None,
        )
        sent = await publisher.send(job)
        parent = parent or sent
    messages = haishin.slack.messages("C0NEWS")
    assert len(messages) == len(units)
    assert [m.thread_ts for m in messages[1:]] == [messages[0].ts] * (len(units) - 1)
    for message in messages:
        assert slack_blockkit.problems(message.blocks, text=message.text) == []
    assert haishin.slack.violations == []
    # Sent again (a retry after a crash), each unit is found instead of posted twice.
    for unit in units:
        job = SendJob(
            f"{subscription.id}-{unit}",
            audience,
            digest,
            unit,
            thread_ref=parent.ref if unit != "parent" and parent else None,
        )
        assert await publisher.find_sent(job) is not None
    assert len(haishin.slack.messages("C0NEWS")) == len(units)


def test_the_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    import yaml

    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(SCOPES)
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(events) == sorted(
        ["app_home_opened", "app_mention", "app_uninstalled", "message.im", "tokens_revoked"]
    )
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/haishin"
    assert command["url"].endswith("/slack/events")
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
