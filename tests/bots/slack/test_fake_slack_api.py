"""The fake Slack API itself: it must refuse what Slack refuses, or the other tests prove little."""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackAPI


def client(slack: FakeSlackAPI, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token or slack.token, base_url=slack.url, retry_handlers=[])


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def test_unknown_and_revoked_tokens_are_refused(slack_api: FakeSlackAPI) -> None:
    with pytest.raises(SlackApiError) as unknown:
        await client(slack_api, "xoxb-nope").auth_test()
    assert unknown.value.response["error"] == "invalid_auth"
    other = slack_api.add_workspace("T0002")
    assert (await client(slack_api, other.token).auth_test())["team_id"] == "T0002"
    slack_api.revoke(other.token)
    with pytest.raises(SlackApiError) as revoked:
        await client(slack_api, other.token).chat_postMessage(channel="C1", text="hi")
    assert revoked.value.response["error"] == "token_revoked"


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        ([section("x")] * 51, "invalid_blocks"),
        ([section("x" * 3001)], "invalid_blocks"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "invalid_blocks"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "invalid_blocks"),
        ([section("y" * 2999)] * 5, "msg_blocks_too_long"),
    ],
)
async def test_messages_outside_block_kit_limits_are_refused(
    slack_api: FakeSlackAPI,
    blocks: list[dict[str, Any]],
    error: str,
) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client(slack_api).chat_postMessage(channel="C1", text="t", blocks=blocks)
    assert refused.value.response["error"] == error
    assert slack_api.violations
    assert slack_api.messages() == []


async def test_injected_failures_answer_as_slack_would(slack_api: FakeSlackAPI) -> None:
    web = client(slack_api)
    slack_api.fail("chat.postMessage", status=429, retry_after=30, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as limited:
            await web.chat_postMessage(channel="C1", text="a")
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "30"
    await web.chat_postMessage(channel="C1", text="a")

    slack_api.fail("chat.postMessage", error="is_archived", channel="C2")
    await web.chat_postMessage(channel="C1", text="b")  # another channel is unaffected
    with pytest.raises(SlackApiError) as archived:
        await web.chat_postMessage(channel="C2", text="b")
    assert archived.value.response["error"] == "is_archived"

    slack_api.fail("chat.postMessage", drop=True)
    with pytest.raises(aiohttp.ClientError):
        await web.chat_postMessage(channel="C1", text="c")
    assert [m.text for m in slack_api.messages("C1")] == ["a", "b"]

    slack_api.fail("chat.postMessage", status=500, applied=True)
    with pytest.raises(SlackApiError):
        await web.chat_postMessage(channel="C1", text="d")
    assert [m.text for m in slack_api.messages("C1")] == ["a", "b", "d"]


async def test_rate_limit_and_chaos_for_benchmarks(slack_api: FakeSlackAPI) -> None:
    web = client(slack_api)
    slack_api.rate_limit(per_second=1.0, burst=1)
    await web.chat_postMessage(channel="C1", text="first")
    with pytest.raises(SlackApiError) as limited:
        await web.chat_postMessage(channel="C1", text="too soon")
    assert limited.value.response.status_code == 429
    await web.chat_postMessage(channel="C2", text="other channel")
    slack_api.clear()
    slack_api.chaos(1.0, statuses=(500,))
    with pytest.raises(SlackApiError) as broken:
        await web.chat_postMessage(channel="C3", text="x")
    assert broken.value.response.status_code == 500


async def test_history_and_replies_page_and_show_metadata_only_when_asked(
    slack_api: FakeSlackAPI,
) -> None:
    web = client(slack_api)
    metadata = {"event_type": "haishin_delivery", "event_payload": {"delivery_id": "d1"}}
    parent = await web.chat_postMessage(channel="C1", text="p", metadata=metadata)
    for n in range(3):
        await web.chat_postMessage(channel="C1", text=f"r{n}", thread_ts=parent["ts"])
    for n in range(4):
        await web.chat_postMessage(channel="C1", text=f"top{n}")
    plain = await web.conversations_history(channel="C1", limit=3)
    assert [m["text"] for m in plain["messages"]] == ["top3", "top2", "top1"]
    assert plain["has_more"] is True
    rest = await web.conversations_history(
        channel="C1",
        limit=3,
        cursor=plain["response_metadata"]["next_cursor"],
        include_all_metadata=True,
    )
    assert [m["text"] for m in rest["messages"]] == ["top0", "p"]
    assert rest["messages"][1]["metadata"] == metadata
    assert "metadata" not in plain["messages"][0]
    thread = await web.conversations_replies(channel="C1", ts=parent["ts"])
    assert [m["text"] for m in thread["messages"]] == ["p", "r0", "r1", "r2"]
    timestamps = [m.ts for m in slack_api.messages("C1")]
    assert timestamps == sorted(timestamps, key=float) and len(set(timestamps)) == 8


async def test_response_urls_record_and_validate(slack_api: FakeSlackAPI) -> None:
    async with httpx.AsyncClient() as http:
        ok = await http.post(slack_api.response_url("k"), json={"text": "hi"})
        bad = await http.post(slack_api.response_url("k"), json={"blocks": [section("")]})
    assert ok.status_code == 200 and bad.status_code == 400
    assert slack_api.responses("k")[0] == {"text": "hi"}


async def test_stats_count_duplicate_deliveries(slack_api: FakeSlackAPI) -> None:
    web = client(slack_api)
    for delivery in ("d1", "d2", "d1"):
        metadata = {"event_type": "haishin_delivery", "event_payload": {"delivery_id": delivery}}
        await web.chat_postMessage(channel="C1", text="x", metadata=metadata)
    async with httpx.AsyncClient() as http:
        stats = (await http.get(f"{slack_api.base}/_fake/stats")).json()
    assert stats["calls"] == {"chat.postMessage": {"200": 3}}
    assert (stats["messages"], stats["deliveries"], stats["duplicates"]) == (3, 2, 1)
