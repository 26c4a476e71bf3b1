"""Bolt listeners: slash command, mentions, DMs, buttons, App Home, uninstall; all thin.

Each listener finds out where it was asked and by whom, lets ``SlackBot`` answer, and
delivers the answer the way that place expects: a slash command privately through its
``response_url``, a mention in a thread, a DM in the DM, a button where the button was.
Every event type the manifest subscribes to has a listener, so Slack never sees a 404.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.dedupe import EventDeduplicator
from bots.slack.answers import Answer, SlackBot
from bots.slack.blocks import ACTION_PATTERN, ACTION_SHARE, decode_value
from bots.slack.errors import error_code
from bots.slack.mrkdwn import to_plain
from core.clock import Clock
from core.stats import How
from core.storage.health import log_failure

log = logging.getLogger("haishin.slack")

_UNDELIVERABLE = ("not_in_channel", "channel_not_found", "is_archived")
# Every slash command of the app reaches the engine, so a workspace may rename /haishin.
_ANY_COMMAND = re.compile(r"^/.+")

Uninstalled = Callable[[str, str], Awaitable[None]]


def register(
    app: AsyncApp,
    bot: SlackBot,
    *,
    events: EventDeduplicator,
    clock: Clock,
    on_uninstalled: Uninstalled,
    revocation: AsyncTokenRevocationListeners | None = None,
) -> None:
    """Attach haishin's listeners to a Bolt app.

    Args:
        app: the Bolt app.
        bot: answers people.
        events: remembers event ids, so Slack's retries run once (a first delivery costs
            no database round trip; a retry, marked by ``X-Slack-Retry-Num``, is looked up).
        clock: "now" for the event records.
        on_uninstalled: called with (team id, reason) when the app lost the workspace.
        revocation: deletes the workspace's installation (OAuth mode only).
    """

    @app.middleware
    async def run_each_event_once(
        req: AsyncBoltRequest, body: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        retried = bool(req.headers.get("x-slack-retry-num"))
        if event_id and not await events.first_time(str(event_id), redelivery=retried):
            log.info("Slack event %s seen before (a retry); acknowledged, not run again", event_id)
            return BoltResponse(status=200, body="")
        return await next_()

    @app.command(_ANY_COMMAND)
    async def on_command(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        channel, user = body["channel_id"], body["user_id"]
        text = to_plain(body.get("text", ""))
        answer = await _answer(bot, text, team=_team(body), channel=channel, user=user, share=True)
        url = body.get("response_url")
        refused = None
        if answer.public:
            # Said in the channel itself, which also shows the digest will reach it.
            refused = await _post(client, answer, channel=channel)
            if refused is None:
                return
        if url:
            for payload in answer.payloads:
                await bot.respond(url, {**payload, "response_type": "ephemeral"})
            if refused in _UNDELIVERABLE and answer.reply is not None:
                note = bot.not_in_channel(answer.reply.language)
                await bot.respond(url, {**note, "response_type": "ephemeral"})

    @app.event("app_mention")
    async def on_mention(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("bot_id"):
            return
        channel = event["channel"]
        text = to_plain(event.get("text", ""))
        answer = await _answer(bot, text, team=_team(body), channel=channel, user=event["user"])
        thread = event.get("thread_ts") or event.get("ts")
        await _post(client, answer, channel=channel, thread_ts=thread, broadcast=answer.public)

    @app.event("message")
    async def on_message(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        # Only direct messages to the bot; edits, joins and other bots' posts are ignored.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        channel = event["channel"]
        text = to_plain(event.get("text", ""))
        answer = await _answer(bot, text, team=_team(body), channel=channel, user=event["user"])
        await _post(client, answer, channel=channel, thread_ts=event.get("thread_ts"))

    @app.action(ACTION_PATTERN)
    async def on_button(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        language, command = decode_value(body["actions"][0].get("value", ""))
        where = _container(body)
        answer = await _answer(
            bot,
            command,
            team=_team(body),
            channel=where["channel"],
            user=where["user"],
            share=where["ephemeral"],
            language=language,
            how="pressed",
        )
        await _deliver_to_container(bot, client, body, answer, where)

    @app.action(ACTION_SHARE)
    async def on_share(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        where = _container(body)
        url = body.get("response_url")
        language, command = decode_value(body["actions"][0].get("value", ""))
        answer = await _answer(
            bot,
            command,
            team=_team(body),
            channel=where["channel"],
            user=where["user"],
            language=language,
            how="shared",
        )
        if not url:
            return
        await bot.respond(url, {"delete_original": True})
        for payload in answer.payloads:
            await bot.respond(url, {**payload, "response_type": "in_channel"})

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        view = await bot.home(_team(body))
        await client.views_publish(user_id=event["user"], view=view)

    @app.event("app_uninstalled")
    async def on_app_uninstalled(body: dict[str, Any], context: AsyncBoltContext) -> None:
        await on_uninstalled(_team(body), "haishin was uninstalled from the workspace")
        if revocation is not None:
            await revocation.handle_app_uninstalled_events(context)

    @app.event("tokens_revoked")
    async def on_tokens_revoked(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if event.get("tokens", {}).get("bot"):
            await on_uninstalled(_team(body), "the workspace revoked haishin's bot token")
        if revocation is not None:
            await revocation.handle_tokens_revoked_events(event, context)


async def _answer(
    bot: SlackBot,
    text: str,
    *,
    team: str,
    channel: str,
    user: str,
    share: bool = False,
    language: str | None = None,
    how: How = "typed",
) -> Answer:
    try:
        return await bot.answer(
            text,
            team=team,
            channel=channel,
            user=user,
            shareable=share,
            language=language,
            how=how,
        )
    except Exception as exc:  # a database away: one line per question, the traceback at DEBUG
        log_failure(log, exc, "could not answer %r in %s/%s", text[:80], team, channel)
        return bot.failure(language)


async def _post(
    client: AsyncWebClient,
    answer: Answer,
    *,
    channel: str,
    thread_ts: str | None = None,
    broadcast: bool = False,
) -> str | None:
    """Post an answer's messages; the Slack error code when that failed, else None."""
    for payload in answer.payloads:
        extra: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
        if thread_ts:
            extra["thread_ts"] = thread_ts
            if broadcast:
                extra["reply_broadcast"] = True
        try:
            await client.chat_postMessage(channel=channel, **payload, **extra)
        except SlackApiError as exc:
            code = error_code(exc)
            level = logging.INFO if code in _UNDELIVERABLE else logging.WARNING
            log.log(level, "chat.postMessage in %s failed: %s", channel, code)
            return code
    return None


def _team(body: dict[str, Any]) -> str:
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    return str(team or (body.get("user") or {}).get("team_id") or "")


def _container(body: dict[str, Any]) -> dict[str, Any]:
    container = body.get("container") or {}
    user = (body.get("user") or {}).get("id", "")
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or user
    ephemeral = bool(container.get("is_ephemeral")) or container.get("type") == "ephemeral"
    return {
        "channel": channel,
        "user": user,
        "ephemeral": ephemeral,
        "view": container.get("type") == "view",
        "thread_ts": container.get("thread_ts") or (body.get("message") or {}).get("thread_ts"),
        "message_ts": container.get("message_ts"),
    }


async def _deliver_to_container(
    bot: SlackBot,
    client: AsyncWebClient,
    body: dict[str, Any],
    answer: Answer,
    where: dict[str, Any],
) -> None:
    url = body.get("response_url")
    if where["ephemeral"] and url:
        # A private answer pages in place: the next part replaces the one that was read.
        for index, payload in enumerate(answer.payloads):
            await bot.respond(
                url, {**payload, "response_type": "ephemeral", "replace_original": index == 0}
            )
        return
    if where["view"]:
        # A button on the Home tab: answer in the person's DM with the app.
        await _post(client, answer, channel=where["user"])
        return
    channel = where["channel"]
    thread = where["thread_ts"]
    if not thread and not channel.startswith("D"):
        thread = where["message_ts"]
    await _post(client, answer, channel=channel, thread_ts=thread)
