"""Installing into any workspace: Bolt's OAuth flow against the fake Slack, stored in our DB."""

from __future__ import annotations

import html
import logging
import re

import httpx
import pytest
from sqlalchemy import select

from core.errors import DeliveryError
from core.ports import Audience, Digest, SendJob
from core.storage import SubscriptionRepository
from core.storage.secrets import TokenCipher
from core.storage.slack_tables import slack_bots, slack_installations
from tests.bots.slack.conftest import TOKEN_KEY, SlackHarness
from tests.fakes.slack_inbound import SlackInbound


async def install(harness: SlackHarness, team_id: str) -> httpx.Response:
    """A person installs the app into ``team_id``: our install page → Slack → our callback."""
    slack = harness.slack
    slack.redirect_uri = "https://haishin.test/slack/oauth_redirect"
    slack.next_install(team_id, name=f"Team {team_id}")
    page = await harness.http.get("/slack/install")
    assert page.status_code == 200
    assert "slack-app-oauth-state" in page.headers.get("set-cookie", "")
    [authorize_url] = re.findall(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page.text)
    authorize_url = html.unescape(authorize_url)
    assert authorize_url.startswith(slack.authorize_url)
    assert "scope=app_mentions:read,channels:history,channels:join,chat:write," in authorize_url
    async with httpx.AsyncClient() as browser:
        at_slack = await browser.get(authorize_url)
    assert at_slack.status_code == 302
    callback = httpx.URL(at_slack.headers["location"])
    return await harness.http.get(f"{callback.path}?{callback.query.decode()}")


async def test_install_round_trip_stores_the_workspace_and_answers_there(
    haishin_oauth: SlackHarness,
) -> None:
    done = await install(haishin_oauth, "T0NEW")
    assert done.status_code == 200, done.text
    slack = haishin_oauth.slack
    assert [c.method for c in slack.calls()][:2] == ["oauth.v2.access", "auth.test"]
    installed = slack.workspace("T0NEW")
    assert installed is not None
    async with haishin_oauth.services.db.engine.connect() as conn:
        bots = (await conn.execute(select(slack_bots.c.team_id, slack_bots.c.bot_token))).all()
        installs = (await conn.execute(select(slack_installations.c.team_id))).all()
    # Stored encrypted: the database never holds the token itself.
    [(team, stored)] = [tuple(b) for b in bots]
    assert team == "T0NEW" and installed.token not in stored
    assert TokenCipher([TOKEN_KEY]).decrypt(stored) == installed.token
    assert [tuple(i) for i in installs] == [("T0NEW",)]

    # A person in the new workspace asks; the answer is posted with that workspace's token.
    inbound = SlackInbound(haishin_oauth.inbound.verifier.signing_secret, team_id="T0NEW")
    await haishin_oauth.post(inbound.mention("latest topic", channel="C0NEWCHAN"))
    [call] = slack.calls("chat.postMessage")
    assert call.token == installed.token
    assert call.team_id == "T0NEW"

    # Digests to that workspace use its token too; an unknown workspace is a permanent error.
    publisher = haishin_oauth.platform.publisher
    assert publisher is not None
    issue = await haishin_oauth.services.library.get(1)
    assert issue is not None
    digest = Digest("週刊ビジネスレター", issue.issue, ())
    job = SendJob("d-1", Audience("slack", "T0NEW", ("C0NEWCHAN",)), digest, "parent")
    sent = await publisher.send(job)
    assert sent.ref.startswith("C0NEWCHAN:")
    with pytest.raises(DeliveryError) as failure:
        await publisher.send(SendJob("d-2", Audience("slack", "T0NOPE", ("C1",)), digest, "parent"))
    assert failure.value.retryable is False
    assert failure.value.code == "not_installed"


async def test_a_callback_without_the_browser_cookie_is_refused(
    haishin_oauth: SlackHarness,
) -> None:
    haishin_oauth.slack.redirect_uri = "https://haishin.test/slack/oauth_redirect"
    page = await haishin_oauth.http.get("/slack/install")
    [authorize_url] = re.findall(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page.text)
    async with httpx.AsyncClient() as browser:
        at_slack = await browser.get(html.unescape(authorize_url))
    callback = httpx.URL(at_slack.headers["location"])
    haishin_oauth.http.cookies.clear()
    refused = await haishin_oauth.http.get(f"{callback.path}?{callback.query.decode()}")
    assert refused.status_code == 400
    assert haishin_oauth.slack.calls("oauth.v2.access") == []


async def test_uninstall_deletes_the_installation_and_pauses_subscriptions(
    haishin_oauth: SlackHarness,
) -> None:
    assert (await install(haishin_oauth, "T0NEW")).status_code == 200
    inbound = SlackInbound(haishin_oauth.inbound.verifier.signing_secret, team_id="T0NEW")
    request = inbound.command(
        "subscribe", channel_id="C0NEWCHAN", response_url=haishin_oauth.slack.response_url()
    )
    await haishin_oauth.post(request)
    [subscription] = await SubscriptionRepository(haishin_oauth.services.db).list()
    assert subscription.workspace == "T0NEW" and subscription.active

    await haishin_oauth.post(inbound.event({"type": "app_uninstalled"}))
    async with haishin_oauth.services.db.engine.connect() as conn:
        assert (await conn.execute(select(slack_bots.c.team_id))).all() == []
    [paused] = await SubscriptionRepository(haishin_oauth.services.db).list()
    assert not paused.active
    publisher = haishin_oauth.platform.publisher
    assert publisher is not None
    issue = await haishin_oauth.services.library.get(1)
    assert issue is not None
    job = SendJob(
        "d-3",
        Audience("slack", "T0NEW", ("C0NEWCHAN",)),
        Digest("週刊ビジネスレター", issue.issue, ()),
        "parent",
    )
    with pytest.raises(DeliveryError) as failure:
        await publisher.send(job)
    assert failure.value.code == "not_installed"


async def test_install_routes_exist_only_in_oauth_mode(haishin: SlackHarness) -> None:
    assert (await haishin.http.get("/slack/install")).status_code == 404


async def test_requests_from_a_workspace_without_an_installation_are_told_once(
    haishin_oauth: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """An install made outside /slack/install (or a deleted row): one warning per workspace,
    never an ERROR per request, nothing sent there; a slash command tells the person."""
    gone = SlackInbound(haishin_oauth.inbound.verifier.signing_secret, team_id="T0GONE")
    slack = haishin_oauth.slack
    with caplog.at_level(logging.INFO):
        for n in range(3):
            mention = await haishin_oauth.post(gone.mention("latest topic", retry_num=n or None))
            assert mention.status_code == 200  # so Slack does not retry
        command = await haishin_oauth.post(
            gone.command("latest topic", response_url=slack.response_url("gone"))
        )
    assert command.status_code == 200
    assert "not installed" in command.text
    assert slack.calls("chat.postMessage") == [] and slack.responses("gone") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    told = [r for r in caplog.records if r.levelno == logging.WARNING and "T0GONE" in r.message]
    assert len(told) == 1
    # An installed workspace is unaffected.
    assert (await install(haishin_oauth, "T0NEW")).status_code == 200
    here = SlackInbound(haishin_oauth.inbound.verifier.signing_secret, team_id="T0NEW")
    await haishin_oauth.post(here.mention("latest topic", channel="C0NEWCHAN"))
    assert len(slack.calls("chat.postMessage")) == 1
