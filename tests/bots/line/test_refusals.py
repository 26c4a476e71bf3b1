"""What ``/line/webhook`` does with what LINE never sends: unsigned, oversized, garbage.

Every such request gets 400 or 413 (never 500), queues nothing, calls no API, is counted in
``haishin_webhook_requests_total`` and leaves no traceback behind.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bots.line.webhook import MAX_BODY
from tests.bots.line.conftest import LineBot
from tests.fakes.line_webhook import sign

GARBAGE = {
    "unclosed": b"{bad",
    "null": b"null",
    "list": b"[1,2,3]",
    "no events": b'{"destination": "U1"}',
    "events not a list": b'{"events": 5}',
    "event not an object": b'{"events": [1]}',
    "event without a type": b'{"events": [{}]}',
    "not utf-8": b'{"events": []}\xff',
    "deeply nested": b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "empty": b"",
}


def count(bot: LineBot, outcome: str) -> float:
    value = bot.services.metrics.registry.get_sample_value(
        "haishin_webhook_requests_total", {"platform": "line", "outcome": outcome}
    )
    return value or 0.0


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("name", list(GARBAGE))
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
async def test_garbage_gets_400_and_goes_no_further(
    bot: LineBot, caplog: pytest.LogCaptureFixture, name: str, signed: bool
) -> None:
    body = GARBAGE[name]
    secret = bot.hooks.secret if signed else "someone-else"
    headers = {"content-type": "application/json", "x-line-signature": sign(body, secret)}
    with caplog.at_level(logging.INFO):
        response = await bot.http.post("/line/webhook", content=body, headers=headers)
        await bot.drain()
    assert response.status_code == 400, response.text
    assert response.json()["error"]
    assert bot.api.calls() == []
    assert count(bot, "malformed" if signed or name == "not utf-8" else "bad_signature") == 1
    assert tracebacks(caplog) == []


async def test_a_body_over_the_cap_gets_413(bot: LineBot) -> None:
    webhook = bot.hooks.request(bot.hooks.text("U" + "1" * 32, "x" * (MAX_BODY + 1)))
    response = await bot.post(webhook)
    await bot.drain()
    assert response.status_code == 413
    assert count(bot, "too_large") == 1
    assert bot.api.calls() == []


async def test_a_chunked_body_is_read_only_up_to_the_cap(bot: LineBot) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(10 * 16):  # 10 MB in 64 KB chunks, no Content-Length
            sent += 65536
            yield b" " * 65536

    response = await bot.http.post(
        "/line/webhook",
        content=chunks(),
        headers={"x-line-signature": "AAAA"},
    )
    assert response.status_code == 413
    assert sent <= MAX_BODY + 2 * 65536  # it stopped reading once past the cap


async def test_a_good_webhook_is_counted(bot: LineBot) -> None:
    response = await bot.send(bot.hooks.text("U" + "1" * 32, "最新トピック"))
    assert response.status_code == 200
    assert count(bot, "ok") == 1
    assert len(bot.api.replies()) == 1
