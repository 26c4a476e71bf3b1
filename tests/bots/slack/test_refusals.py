"""What ``/slack/events`` does with what Slack never sends: unsigned, oversized, garbage.

Every such request gets 401, 400 or 413 (never 500), reaches neither Bolt's listeners nor the
Web API, is counted in ``haishin_webhook_requests_total`` and leaves no traceback behind.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bots.slack.events import MAX_BODY
from tests.bots.slack.conftest import SIGNING_SECRET, SlackHarness
from tests.fakes.slack_inbound import SignedRequest

FORM = "application/x-www-form-urlencoded"
NESTED = b"[" * 100_000 + b"]" * 100_000
GARBAGE = {
    "unclosed": (b"{bad", "application/json"),
    "null": (b"null", "application/json"),
    "list": (b"[1,2,3]", "application/json"),
    "a string": (b'"text"', "application/json"),
    "payload not json": (b"payload=%7Bnotjson", FORM),
    "payload a list": (b"payload=%5B1%5D", FORM),
    "not utf-8": (b"text=\xff\xfe\xfa", FORM),
    "deeply nested": (NESTED, "application/json"),
    "object nested in payload": (b"payload=" + b"%5B" * 50_000, FORM),
    "no type": (b'{"hello": "world"}', "application/json"),
    "event a list": (b'{"type": "event_callback", "event": [1]}', "application/json"),
    "mention without channel": (
        b'{"type": "event_callback", "event": {"type": "app_mention", "user": "U1"}}',
        "application/json",
    ),
    "command without channel": (b"command=%2Fhaishin&text=latest&user_id=U1", FORM),
    "action not an object": (b"payload=" + b'{"type": "block_actions", "actions": [5]}', FORM),
    "empty": (b"", FORM),
}


def raw(body: bytes) -> SignedRequest:
    """Bytes that are not UTF-8, signed as Slack signs (the SDK's signer wants text)."""
    stamp = str(int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    return SignedRequest(body=body, headers=headers)


def count(harness: SlackHarness, outcome: str) -> float:
    value = harness.services.metrics.registry.get_sample_value(
        "haishin_webhook_requests_total", {"platform": "slack", "outcome": outcome}
    )
    return value or 0.0


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("name", list(GARBAGE))
async def test_unsigned_garbage_gets_401_and_goes_no_further(
    haishin: SlackHarness, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = GARBAGE[name]
    stamp = str(int(time.time()))
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": "v0=" + "0" * 64,
    }
    with caplog.at_level(logging.INFO):
        response = await haishin.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code in (400, 401), response.text
    assert response.json()["error"]
    assert haishin.slack.calls() == []
    assert count(haishin, "bad_signature") + count(haishin, "malformed") == 1
    assert tracebacks(caplog) == []


@pytest.mark.parametrize("name", list(GARBAGE))
async def test_signed_garbage_gets_400(
    haishin: SlackHarness, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = GARBAGE[name]
    request = haishin.inbound.sign(body, content_type) if name != "not utf-8" else raw(body)
    with caplog.at_level(logging.INFO):
        response = await haishin.post(request)
    assert response.status_code == 400, response.text
    assert haishin.slack.calls() == []
    assert count(haishin, "malformed") == 1
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-slack-signature": "v0=" + "0" * 64},
        {"x-slack-request-timestamp": "abc", "x-slack-signature": "v0=" + "0" * 64},
        {"x-slack-request-timestamp": "1" * 5000, "x-slack-signature": "v0=" + "0" * 64},
        {"x-slack-request-timestamp": "１２３", "x-slack-signature": "v0=" + "0" * 64},
        {"x-slack-request-timestamp": "0", "x-slack-signature": "v0=00"},
        {"x-slack-request-timestamp": "1700000000", "x-slack-signature": "v0=é"},
    ],
    ids=["none", "no timestamp", "abc", "5000 digits", "wide digits", "stale", "not ascii"],
)
async def test_bad_signature_headers_get_401(
    haishin: SlackHarness, caplog: pytest.LogCaptureFixture, headers: dict[str, str]
) -> None:
    body = haishin.inbound.command("latest topic", response_url=haishin.slack.response_url()).body
    with caplog.at_level(logging.INFO):
        response = await haishin.http.post(
            "/slack/events",
            content=body,
            headers={"content-type": FORM, **{k: v.encode("utf-8") for k, v in headers.items()}},  # type: ignore[arg-type]
        )
    assert response.status_code == 401, response.text
    assert haishin.slack.calls() == []
    assert count(haishin, "bad_signature") == 1
    assert tracebacks(caplog) == []


async def test_a_signed_command_with_a_stale_timestamp_gets_401(haishin: SlackHarness) -> None:
    request = haishin.inbound.command(
        "latest topic", response_url=haishin.slack.response_url(), timestamp=time.time() - 600
    )
    response = await haishin.post(request)
    assert response.status_code == 401
    assert haishin.slack.responses() == []


async def test_a_body_over_the_cap_gets_413_even_when_signed(haishin: SlackHarness) -> None:
    # A real 10 MB form, as in the report: refused from its Content-Length, never parsed.
    huge = b"text=" + b"a" * (10 * 1024 * 1024)
    unsigned = await haishin.http.post(
        "/slack/events",
        content=huge,
        headers={
            "content-type": FORM,
            "x-slack-request-timestamp": "1",
            "x-slack-signature": "v0=",
        },
    )
    assert unsigned.status_code == 413
    signed = haishin.inbound.sign(b"text=" + b"a" * MAX_BODY, FORM)
    assert (await haishin.post(signed)).status_code == 413
    assert count(haishin, "too_large") == 2
    assert haishin.slack.calls() == []


async def test_a_chunked_body_is_read_only_up_to_the_cap(haishin: SlackHarness) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(10 * 16):  # 10 MB in 64 KB chunks, no Content-Length
            sent += 65536
            yield b"a" * 65536

    request = haishin.inbound.sign(b"", FORM)
    response = await haishin.http.post("/slack/events", content=chunks(), headers=request.headers)
    assert response.status_code == 413
    assert sent <= MAX_BODY + 2 * 65536  # it stopped reading once past the cap


async def test_a_good_request_still_works_and_is_counted(haishin: SlackHarness) -> None:
    answers = await haishin.command("latest topic")
    assert answers and "CoreWeave" in json.dumps(answers, ensure_ascii=False)
    assert count(haishin, "ok") == 1
