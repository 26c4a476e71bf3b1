"""Slack, switched on from settings: the Bolt app, its routes, the publisher, start/stop hooks.

Two modes:

- one workspace: ``SLACK_BOT_TOKEN`` + ``SLACK_SIGNING_SECRET``;
- any number of workspaces: ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` +
  ``SLACK_SIGNING_SECRET``, installed through ``/slack/install``; installations and OAuth
  states live in our database (tables created by our migrations).

``SLACK_API_URL`` points every Web API call (and the OAuth authorize page) elsewhere, e.g. at
the fake Slack API in tests.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from starlette.routing import Route

from bots.bootstrap import Services
from bots.dedupe import EventDeduplicator
from bots.platform import Hook, Platform
from bots.slack import PLATFORM, handlers
from bots.slack.answers import SlackBot
from bots.slack.events import SlackEvents
from bots.slack.installations import EncryptedInstallationStore, encrypt_stored_tokens
from bots.slack.publisher import SlackPublisher
from bots.slack.render import SlackRenderer
from bots.slack.subscriptions import ChannelSubscriptions
from bots.slack.texts import OFF_MESSAGE
from bots.slack.tokens import InstalledTokens, StaticToken, TokenSource
from bots.slack.workspaces import InstalledWorkspaces
from core.storage import SubscriptionRepository

log = logging.getLogger("haishin.slack")

# Exactly the scopes haishin uses (see manifest.yaml for what each is for).
SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "chat:write",
    "chat:write.public",
    "commands",
    "groups:history",
    "im:history",
)
OAUTH_STATE_SECONDS = 600
API_TIMEOUT_SECONDS = 10


def build_slack(services: Services) -> Platform | None:
    """The Slack platform for ``haishin serve``, or None (after one log line) when it is off.

    Raises:
        ConfigError: multi-workspace mode without ``HAISHIN_TOKEN_KEY`` (or a bad key).
    """
    settings = services.settings
    if not settings.slack_enabled:
        log.info(OFF_MESSAGE)
        return None
    api_url = _api_url(settings.slack_api_url)
    oauth = settings.slack_oauth
    client = AsyncWebClient(
        token=None if oauth else settings.slack_bot_token,
        base_url=api_url,
        timeout=API_TIMEOUT_SECONDS,
    )
    # Answers to people may wait out one 429 (Slack's Retry-After); deliveries never do
    # this inside the SDK (see SlackPublisher).
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    tokens: TokenSource
    revocation = None
    prepare: list[Hook] = []
    if oauth:
        assert settings.slack_client_id and settings.slack_client_secret
        cipher = settings.slack_token_cipher()
        installations = EncryptedInstallationStore(
            settings.slack_client_id, services.db.engine, cipher
        )

        async def encrypt_tokens() -> None:
            await encrypt_stored_tokens(services.db, cipher)

        prepare.append(encrypt_tokens)
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(SCOPES),
            installation_store=installations,
            installation_store_bot_only=True,
            state_store=AsyncSQLAlchemyOAuthStateStore(
                expiration_seconds=OAUTH_STATE_SECONDS, engine=services.db.engine
            ),
            authorization_url=urljoin(api_url, "../oauth/v2/authorize"),
        )
        # One store lookup per request and no auth.test each time (Bolt's default calls it
        # on every request in OAuth mode): results are cached per token.
        workspaces = InstalledWorkspaces(
            AsyncInstallationStoreAuthorize(
                logger=log,
                installation_store=installations,
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                bot_only=True,
                cache_enabled=True,
                client=client,
            )
        )
        app = AsyncApp(
            name="haishin",
            signing_secret=settings.slack_signing_secret,
            client=client,
            authorize=workspaces.authorize,  # type: ignore[arg-type]  # an AsyncAuthorize is fine
            before_authorize=workspaces,
            oauth_settings=oauth_settings,
            installation_store_bot_only=True,
            request_verification_enabled=False,  # SlackEvents checks first, on the raw bytes
        )
        tokens = InstalledTokens(installations)
        revocation = AsyncTokenRevocationListeners(installations)
    else:
        assert settings.slack_bot_token
        app = AsyncApp(
            name="haishin",
            signing_secret=settings.slack_signing_secret,
            client=client,
            request_verification_enabled=False,  # SlackEvents checks first, on the raw bytes
        )
        tokens = StaticToken(settings.slack_bot_token)

    renderer = SlackRenderer(services.profile)
    subscriptions = ChannelSubscriptions(
        SubscriptionRepository(services.db, clock=services.clock), services.profile
    )
    bot = SlackBot(
        services.engine,
        renderer,
        services.profile,
        subscriptions,
        services.library,
        services.clock,
        services.metrics,
        services.stats,
        session=lambda: client.session,
    )

    async def uninstalled(team: str, reason: str) -> None:
        paused = await subscriptions.pause_workspace(team, reason)
        tokens.forget(team)
        log.warning("Slack workspace %s: %s; %d subscription(s) paused", team, reason, paused)

    events = EventDeduplicator(services.db, services.clock, platform="slack")
    handlers.register(
        app,
        bot,
        events=events,
        clock=services.clock,
        on_uninstalled=uninstalled,
        revocation=revocation,
    )
    publisher = SlackPublisher(
        renderer,
        services.profile,
        tokens,
        base_url=api_url,
        metrics=services.metrics,
        timeout=settings.send_timeout_seconds,
        settle=settings.settle_seconds,
    )
    assert settings.slack_signing_secret
    endpoints = SlackEvents(app, settings.slack_signing_secret, services.metrics)
    routes = [Route("/slack/events", endpoints.events, methods=["POST"])]
    if oauth:
        routes.append(Route("/slack/install", endpoints.pages, methods=["GET"]))
        routes.append(Route("/slack/oauth_redirect", endpoints.pages, methods=["GET"]))

    async def start() -> None:
        # One connection pool for every Web API and response_url call of the app.
        client.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=API_TIMEOUT_SECONDS)
        )
        await events.start()

    async def stop() -> None:
        await events.stop()  # the handled event ids still waiting are written
        await publisher.close()
        if client.session is not None:
            await client.session.close()
            client.session = None

    return Platform(
        name=PLATFORM.name,
        routes=list(routes),
        publisher=publisher,
        times_own_sends=True,
        on_startup=[start],
        on_shutdown=[stop],
        status={
            "mode": "oauth" if oauth else "single-workspace",
            "api_url": api_url,
            "scopes": list(SCOPES),
        },
        prepare=prepare,
    )


def _api_url(configured: str | None) -> str:
    url = (configured or AsyncWebClient.BASE_URL).strip()
    return url if url.endswith("/") else url + "/"
