"""Slash commands end to end: signed requests in, Block Kit out through the response_url."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bots.slack.blocks import decode_value
from core.storage.models import ConversationStateRow, ProcessedEventRow, SubscriptionRow
from tests.bots.slack.conftest import SlackHarness
from tests.fakes import slack_blockkit


def texts(message: dict[str, Any]) -> str:
    return "\n".join(slack_blockkit.text_objects(message.get("blocks") or []))


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Button label → the command it sends (its value without the language prefix)."""
    found = {}
    for block in message.get("blocks") or []:
        if block["type"] == "actions":
            for element in block["elements"]:
                found[element["text"]["text"]] = decode_value(element["value"])[1]
    return found


def values(message: dict[str, Any]) -> dict[str, str]:
    """Button label → its raw value, as Slack sends it back when pressed."""
    found = {}
    for block in message.get("blocks") or []:
        if block["type"] == "actions":
            for element in block["elements"]:
                found[element["text"]["text"]] = element["value"]
    return found


def assert_valid(message: dict[str, Any]) -> None:
    assert slack_blockkit.problems(message.get("blocks"), text=message.get("text")) == []


async def count(harness: SlackHarness, model: Any) -> int:
    async with harness.services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_bad_signature_is_refused_and_nothing_happens(haishin: SlackHarness) -> None:
    request = haishin.inbound.command("subscribe", response_url=haishin.slack.response_url("bad"))
    tampered = type(request)(request.body + b"&text=evil", request.headers)
    response = await haishin.post(tampered)
    assert response.status_code == 401
    assert haishin.slack.calls() == []
    assert haishin.slack.responses("bad") == []
    for model in (SubscriptionRow, ConversationStateRow, ProcessedEventRow):
        assert await count(haishin, model) == 0


async def test_stale_timestamp_is_refused(haishin: SlackHarness) -> None:
    old = time.time() - 6 * 60
    request = haishin.inbound.command(
        "latest topic", response_url=haishin.slack.response_url("old"), timestamp=old
    )
    response = await haishin.post(request)
    assert response.status_code == 401
    assert haishin.slack.calls() == []
    assert haishin.slack.responses("old") == []
    event = haishin.inbound.mention("latest", timestamp=old)
    assert (await haishin.post(event)).status_code == 401
    assert await count(haishin, ProcessedEventRow) == 0


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("latest topic", "週刊ビジネスレター · #1 · 2025-10-04 · parts 1–2 of 2"),
        ("最新トピック", "週刊ビジネスレター · 第1号 · 2025-10-04 · 1–2/2"),
        ("トピック", "週刊ビジネスレター · 第1号 · 2025-10-04 · 1–2/2"),
        ("issue 1 topic", "週刊ビジネスレター · #1 · 2025-10-04 · parts 1–2 of 2"),
    ],
)
async def test_latest_topic_answers_the_coreweave_topic(
    haishin: SlackHarness, text: str, where: str
) -> None:
    [answer] = await haishin.command(text)
    assert_valid(answer)
    assert answer["response_type"] == "ephemeral"
    blocks = answer["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "トピック", "emoji": True},
    }
    body = texts(answer)
    assert "*🚀 CoreWeave、Metaとの巨額契約で株価急騰*" in body
    assert "“ネオクラウド”" in body
    assert where in body
    labels = buttons(answer)
    assert labels["気になった記事"] == "issue 1 articles"
    assert labels["編集後記"] == "issue 1 afterword"
    assert "トピック" not in labels


@pytest.mark.parametrize(
    ("text", "language_word"), [("latest", "Share in channel"), ("最新号", "チャンネルに共有")]
)
async def test_latest_is_the_digest_with_section_buttons(
    haishin: SlackHarness, text: str, language_word: str
) -> None:
    [answer] = await haishin.command(text)
    assert_valid(answer)
    body = texts(answer)
    assert "🚀 CoreWeave、Metaとの巨額契約で株価急騰" in body
    assert "💊 トランプ×ファイザー" in body
    labels = buttons(answer)
    assert {"トピック", "気になった記事", "小ネタ", "編集後記"} <= set(labels)
    assert labels[language_word] == "issue 1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", "You can send"),
        ("ヘルプ", "送れる言葉"),
        ("list", "Recent issues"),
        ("バックナンバー", "最近の号"),
        ("search CoreWeave", "Results for 'CoreWeave'"),
        ("検索 ファイザー", "「ファイザー」の検索結果"),
        ("検索 Core\x00Weave", "「Core Weave」の検索結果"),  # a NUL is a space, no apology
        ("search \x1b[31mCoreWeave\x7f", "Nothing found for '[31mCoreWeave'"),
        ("afterword", "今週は、AIインフラの巨額契約"),
        ("編集後記", "今週は、AIインフラの巨額契約"),
        ("issue 9", "There is no issue 9"),
        ("第9号", "第9号は見つかりません"),
    ],
)
async def test_each_command_in_english_and_japanese(
    haishin: SlackHarness, text: str, expected: str
) -> None:
    answers = await haishin.command(text)
    assert answers
    for answer in answers:
        assert_valid(answer)
    assert expected in "\n".join(texts(a) for a in answers)


@pytest.mark.parametrize(
    ("text", "suggestion"), [("latst topic", "latest topic"), ("編集語記", "編集後記")]
)
async def test_unknown_input_gets_help_with_the_nearest_commands(
    haishin: SlackHarness, text: str, suggestion: str
) -> None:
    [answer] = await haishin.command(text)
    assert_valid(answer)
    assert suggestion in texts(answer)
    assert suggestion in buttons(answer).values()


async def test_a_long_section_pages_instead_of_flooding(
    haishin_long: SlackHarness,
) -> None:
    [answer] = await haishin_long.command("第1号 トピック")
    assert_valid(answer)
    labels = buttons(answer)
    [next_label] = [label for label in labels if label.startswith("次へ")]
    assert labels[next_label] == "issue 1 topic p4"
    assert "1–3/" in texts(answer)


async def test_a_burst_beyond_the_bound_is_told_to_try_again(haishin: SlackHarness) -> None:
    from bots.slack.answers import SlackBot
    from bots.slack.render import SlackRenderer
    from bots.slack.subscriptions import ChannelSubscriptions
    from core.storage import SubscriptionRepository

    services = haishin.services
    bot = SlackBot(
        services.engine,
        SlackRenderer(services.profile),
        services.profile,
        ChannelSubscriptions(SubscriptionRepository(services.db), services.profile),
        services.library,
        services.clock,
        services.metrics,
        services.stats,
        max_waiting=0,
    )
    answer = await bot.answer("最新トピック", team="T0001", channel="C1", user="U1")
    assert answer.reply is None
    assert "混み合っています" in texts(answer.payloads[0])
    assert b'haishin_dropped_total{platform="slack"} 1.0' in services.metrics.render()
