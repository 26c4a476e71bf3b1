"""Events API: mentions in threads, DMs, App Home, retries run once, uninstall pauses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.storage import SubscriptionRepository
from tests.bots.slack.conftest import SlackHarness
from tests.fakes import slack_blockkit


def text_of(blocks: list[dict[str, Any]] | None) -> str:
    return "\n".join(slack_blockkit.text_objects(blocks or []))


async def test_a_mention_is_answered_in_a_thread(haishin: SlackHarness) -> None:
    request = haishin.inbound.mention("latest topic", channel="C0TEAM", ts="1700000000.000100")
    response = await haishin.post(request)
    assert response.status_code == 200
    [answer] = haishin.slack.messages("C0TEAM")
    assert answer.thread_ts == "1700000000.000100"
    assert slack_blockkit.problems(answer.blocks, text=answer.text) == []
    assert "CoreWeave" in text_of(answer.blocks)
    [call] = haishin.slack.calls("chat.postMessage")
    assert call.params["unfurl_links"] is False


async def test_a_mention_inside_a_thread_stays_in_that_thread(haishin: SlackHarness) -> None:
    request = haishin.inbound.mention(
        "編集後記", channel="C0TEAM", ts="1700000000.000500", thread_ts="1700000000.000100"
    )
    await haishin.post(request)
    [answer] = haishin.slack.messages("C0TEAM")
    assert answer.thread_ts == "1700000000.000100"
    assert "今週は" in text_of(answer.blocks)


async def test_a_direct_message_is_answered_in_the_dm(haishin: SlackHarness) -> None:
    await haishin.post(haishin.inbound.direct_message("最新号", channel="D0ME"))
    [answer] = haishin.slack.messages("D0ME")
    assert answer.thread_ts is None
    assert "トピック" in text_of(answer.blocks)
    assert slack_blockkit.problems(answer.blocks, text=answer.text) == []


async def test_messages_that_are_not_dms_to_the_bot_get_no_answer(haishin: SlackHarness) -> None:
    channel_message = haishin.inbound.event(
        {
            "type": "message",
            "channel_type": "channel",
            "channel": "C0TEAM",
            "user": "U0001",
            "text": "latest",
            "ts": "1.0",
        }
    )
    edited = haishin.inbound.event(
        {
            "type": "message",
            "channel_type": "im",
            "subtype": "message_changed",
            "channel": "D0ME",
            "ts": "2.0",
        }
    )
    from_a_bot = haishin.inbound.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0ME",
            "bot_id": "B9",
            "text": "latest",
            "ts": "3.0",
        }
    )
    for request in (channel_message, edited, from_a_bot):
        assert (await haishin.post(request)).status_code == 200
    assert haishin.slack.calls("chat.postMessage") == []


async def test_a_retried_event_is_handled_once(haishin: SlackHarness) -> None:
    first = haishin.inbound.mention("latest topic", event_id="Ev0RETRY", channel="C0TEAM")
    retry = haishin.inbound.mention(
        "latest topic", event_id="Ev0RETRY", channel="C0TEAM", retry_num=1
    )
    assert (await haishin.post(first)).status_code == 200
    assert (await haishin.post(retry)).status_code == 200
    assert "X-Slack-Retry-Num" in retry.headers
    assert len(haishin.slack.messages("C0TEAM")) == 1


async def test_every_subscribed_event_has_a_listener(haishin: SlackHarness) -> None:
    manifest_events = [
        "app_mention",
        "message",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    ]
    samples = {
        "app_mention": {
            "type": "app_mention",
            "user": "U0001",
            "text": "<@UBT0001> help",
            "ts": "1.0",
            "channel": "C0TEAM",
        },
        "message": {
            "type": "message",
            "channel_type": "im",
            "user": "U0001",
            "text": "help",
            "ts": "1.0",
            "channel": "D0ME",
        },
        "app_home_opened": {
            "type": "app_home_opened",
            "user": "U0001",
            "tab": "messages",
            "channel": "D0ME",
        },
        "app_uninstalled": {"type": "app_uninstalled"},
        "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": ["U0001"]}},
    }
    for name in manifest_events:
        response = await haishin.post(haishin.inbound.event(samples[name]))  # type: ignore[arg-type]
        assert response.status_code == 200, name


async def test_url_verification_is_answered(haishin: SlackHarness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    response = await haishin.post(haishin.inbound.sign(body, "application/json"))
    assert response.status_code == 200
    assert response.json() == {"challenge": "abc123"}


async def test_the_home_tab_shows_the_latest_issue_and_subscriptions(
    haishin: SlackHarness,
) -> None:
    await haishin.command("subscribe topic", channel_id="C0NEWS")
    opened = haishin.inbound.event(
        {"type": "app_home_opened", "user": "U0001", "tab": "home", "channel": "D0ME"}
    )
    await haishin.post(opened)
    view = haishin.slack.views["U0001"]
    assert view["type"] == "home"
    assert slack_blockkit.problems(view["blocks"], surface="home") == []
    shown = text_of(view["blocks"])
    assert "週刊ビジネスレター" in shown
    assert "🚀 CoreWeave、Metaとの巨額契約で株価急騰" in shown
    assert "<#C0NEWS>" in shown and "毎週土曜 09:00" in shown


async def test_a_home_tab_button_answers_in_the_dm(haishin: SlackHarness) -> None:
    opened = haishin.inbound.event(
        {"type": "app_home_opened", "user": "U0001", "tab": "home", "channel": "D0ME"}
    )
    await haishin.post(opened)
    view = haishin.slack.views["U0001"]
    [actions] = [b for b in view["blocks"] if b["type"] == "actions"]
    button = next(e for e in actions["elements"] if e["text"]["text"] == "編集後記")
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "U0001", "team_id": "T0001"},
        "api_app_id": "A0HAISHIN",
        "container": {"type": "view", "view_id": "V0001"},
        "trigger_id": "t.1",
        "view": {"id": "V0001", "type": "home"},
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "b",
                "value": button["value"],
                "action_ts": "1.0",
            }
        ],
    }
    from urllib.parse import urlencode

    body = urlencode({"payload": json.dumps(payload)}).encode()
    await haishin.post(haishin.inbound.sign(body, "application/x-www-form-urlencoded"))
    [answer] = haishin.slack.messages("U0001")
    assert "今週は" in text_of(answer.blocks)


@pytest.mark.parametrize(
    "event",
    [{"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"bot": ["UBT0001"]}}],
)
async def test_losing_the_workspace_pauses_its_subscriptions(
    haishin: SlackHarness,
    event: dict[str, Any],
) -> None:
    await haishin.command("subscribe", channel_id="C0NEWS")
    await haishin.command("subscribe topic", channel_id="C0OTHER")
    await haishin.post(haishin.inbound.event(event))
    subscriptions = await SubscriptionRepository(haishin.services.db).list(platform="slack")
    assert len(subscriptions) == 2
    assert all(not s.active for s in subscriptions)
    assert all(s.paused_reason and "haishin" in s.paused_reason for s in subscriptions)


async def test_user_token_revocation_keeps_subscriptions(haishin: SlackHarness) -> None:
    await haishin.command("subscribe", channel_id="C0NEWS")
    await haishin.post(
        haishin.inbound.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0001"]}})
    )
    [subscription] = await SubscriptionRepository(haishin.services.db).list(platform="slack")
    assert subscription.active
