"""The channel endpoints of the fake LINE API that ``haishin doctor`` asks (``messaging-api.yml``):
``GET /v2/bot/info`` (``BotInfoResponse``), ``GET``/``PUT /v2/bot/channel/webhook/endpoint``
(``GetWebhookEndpointResponse``) and ``POST /v2/bot/channel/webhook/test``
(``TestWebhookEndpointResponse``), which, as LINE does, posts a signed webhook with no events
to the endpoint and reports what it answered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from tests.fakes.line_webhook import sign

WEBHOOK_TEST = "/v2/bot/channel/webhook/test"


@dataclass
class Channel:
    """What the LINE Developers Console and the Official Account Manager would show."""

    secret: str = "test-channel-secret"
    user_id: str = "U0123456789abcdef0123456789abcdef"
    basic_id: str = "@123abcde"
    display_name: str = "haishin test"
    chat_mode: str = "bot"  # "chat": Chat is on in the Official Account Manager
    webhook_endpoint: str = ""
    webhook_active: bool = False


def channel_route(channel: Channel, method: str, path: str, body: bytes) -> web.Response | None:
    """The answer to a channel request, or None for another path."""
    if path == "/v2/bot/info" and method == "GET":
        return web.json_response(
            {
                "userId": channel.user_id,
                "basicId": channel.basic_id,
                "displayName": channel.display_name,
                "chatMode": channel.chat_mode,
                "markAsReadMode": "auto" if channel.chat_mode == "bot" else "manual",
            }
        )
    if path == "/v2/bot/channel/webhook/endpoint" and method == "GET":
        return web.json_response(
            {"endpoint": channel.webhook_endpoint, "active": channel.webhook_active}
        )
    if path == "/v2/bot/channel/webhook/endpoint" and method == "PUT":
        channel.webhook_endpoint = json.loads(body)["endpoint"]
        return web.json_response({})
    if path == WEBHOOK_TEST and method == "POST":
        return web.json_response({})  # answered by ``test_webhook`` once checked
    return None


async def test_webhook(channel: Channel, body: bytes) -> web.Response:
    """Post a signed webhook with no events to the endpoint (the given one, else the set one)."""
    endpoint = (json.loads(body or b"{}") or {}).get("endpoint") or channel.webhook_endpoint
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    payload = json.dumps({"destination": channel.user_id, "events": []}).encode()
    headers = {
        "content-type": "application/json",
        "x-line-signature": sign(payload, channel.secret),
    }
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.post(endpoint, data=payload, headers=headers, ssl=False) as answer,
        ):
            status, detail = answer.status, (await answer.text())[:200]
    except (aiohttp.ClientError, TimeoutError) as exc:
        return web.json_response(
            {
                "success": False,
                "timestamp": stamp,
                "statusCode": 0,
                "reason": "COULD_NOT_CONNECT",
                "detail": str(exc) or type(exc).__name__,
            }
        )
    ok = 200 <= status < 300
    return web.json_response(
        {
            "success": ok,
            "timestamp": stamp,
            "statusCode": status,
            "reason": "OK" if ok else "ERROR_STATUS_CODE",
            "detail": detail or str(status),
        }
    )
