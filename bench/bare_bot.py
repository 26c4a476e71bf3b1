"""The baseline of the answer benchmark: a bare bot that only checks and echoes.

``POST /line/webhook`` verifies ``x-line-signature`` with the SDK's ``WebhookParser``, answers
200 and echoes each text (or postback data) back with the reply token through the SDK's
``AsyncMessagingApi``. ``POST /slack/events`` is a Bolt ``AsyncApp`` whose slash command
acknowledges and echoes the text to the ``response_url``. No database, no command engine: the
cost of receiving a webhook and answering it at all, served the way ``haishin serve`` serves
(uvicorn's ``Server.serve`` inside ``asyncio.run``, the same SDK clients and settings).

Run: ``python bench/bare_bot.py --port 8100`` with ``LINE_CHANNEL_SECRET``,
``LINE_CHANNEL_ACCESS_TOKEN``, ``LINE_API_URL``, ``SLACK_SIGNING_SECRET``, ``SLACK_BOT_TOKEN``
and ``SLACK_API_URL`` set (``bench/bench_answers.py`` does this).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import uvicorn
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, PostbackEvent, TextMessageContent
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


def build_app() -> Starlette:
    parser = WebhookParser(os.environ["LINE_CHANNEL_SECRET"])
    configuration = Configuration(
        access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"], host=os.environ["LINE_API_URL"]
    )
    configuration.connection_pool_maxsize = 64
    line: dict[str, Any] = {}
    tasks: set[asyncio.Task[None]] = set()

    async def echo(token: str, text: str) -> None:
        request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=text)])
        with contextlib.suppress(Exception):
            await line["api"].reply_message(request, _request_timeout=10.0)

    async def line_webhook(request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        try:
            events = parser.parse(body, request.headers.get("x-line-signature", ""))
        except InvalidSignatureError:
            return PlainTextResponse("bad signature", status_code=400)
        for event in events:
            text = None
            if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
                text = event.message.text
            elif isinstance(event, PostbackEvent):
                text = event.postback.data
            if text and event.reply_token:
                task = asyncio.create_task(echo(event.reply_token, text))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        return PlainTextResponse("OK")

    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    slack = AsyncApp(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client)

    @slack.command("/haishin")
    async def command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        webhook = AsyncWebhookClient(url=body["response_url"], session=client.session)
        await webhook.send_dict({"text": body.get("text", ""), "response_type": "ephemeral"})

    slack_handler = AsyncSlackRequestHandler(slack)

    async def slack_events(request: Request) -> Response:
        return await slack_handler.handle(request)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api_client = AsyncApiClient(configuration)
        # As haishin does (bots/line/client.py): no proxy / .netrc lookup on every call.
        api_client.rest_client.pool_manager._trust_env = False
        line["api"] = AsyncMessagingApi(api_client)
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            yield
        finally:
            await client.session.close()
            await api_client.close()

    return Starlette(
        routes=[
            Route("/line/webhook", line_webhook, methods=["POST"]),
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--host", default="127.0.0.1")
    arguments.add_argument("--port", type=int, default=8100)
    args = arguments.parse_args()
    config = uvicorn.Config(
        build_app(), host=args.host, port=args.port, log_config=None, lifespan="on"
    )
    signal.signal(signal.SIGTERM, lambda *_: None)  # as haishin serve: uvicorn handles it
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
