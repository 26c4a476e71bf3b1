"""Readers' commands in Japanese and English, answered by reply, paging by postback.

Every reply here reached the fake LINE API, which accepts only bodies valid under LINE's
OpenAPI spec and limits (5 messages, 5,000 UTF-16 units, 13 quick replies of ≤20 characters,
postback data ≤300): a delivered reply is a valid reply.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bots.line.postback import decode
from core.clock import FixedClock
from core.ingest import ingest_paths
from core.storage import LineFollowers
from tests.bots.line.conftest import LineBot
from tests.fakes.line_limits import utf16_units

USER = "U" + "2" * 32


async def ask(bot: LineBot, text: str) -> list[dict[str, Any]]:
    """Send a text as the user; the messages of the one reply it got."""
    event = bot.hooks.text(USER, text)
    await bot.send(event)
    replies = [r for r in bot.api.replies() if r.to == (event["replyToken"],)]
    assert len(replies) == 1, f"{text!r} got {len(replies)} replies"
    messages = replies[0].messages
    assert 1 <= len(messages) <= 5
    return messages


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or m.get("altText", "") for m in messages)


def quick_labels(messages: list[dict[str, Any]]) -> list[str]:
    return [i["action"]["label"] for i in messages[-1].get("quickReply", {}).get("items", [])]


async def test_latest_topic_in_japanese_carries_the_coreweave_topic(bot: LineBot) -> None:
    messages = await ask(bot, "最新トピック")
    assert messages[0]["type"] == "text"
    assert messages[0]["text"].startswith("【トピック】")
    assert "🚀 CoreWeave、Metaとの巨額契約で株価急騰" in messages[0]["text"]
    assert "**" not in texts(messages)
    assert all(utf16_units(m["text"]) <= 5000 for m in messages)
    # The topic's text arrives whole across the parts.
    assert "「作れる人」より「走れる環境を持つ人」" in texts(messages)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("latest topic", "CoreWeave"),
        ("編集後記", "【編集後記】"),
        ("afterword", "【編集後記】"),
        ("気になった記事", "トランプ×ファイザー"),
        ("articles", "トランプ×ファイザー"),
        ("小ネタ", "Reading Rainbow"),
        ("shorts", "チームスターズ"),
        ("第1号 トピック", "CoreWeave"),
        ("issue 1 topic", "CoreWeave"),
        ("2025-10-04 編集後記", "【編集後記】"),
        ("バックナンバー", "第1号 2025-10-04"),
        ("list", "#1 2025-10-04"),
        ("検索 CoreWeave", "「CoreWeave」の検索結果"),
        ("検索 Core\x00Weave", "「Core Weave」の検索結果"),  # a NUL is a space, no apology
        ("search CoreWeave", "Results for 'CoreWeave'"),
        ("ヘルプ", "送れる言葉"),
        ("help", "You can send"),
        ("次へ", "続きはありません"),
        ("next", "There is nothing to continue"),
        ("ほげほげ", "分かりませんでした"),
        ("gibberish", "didn't understand"),
    ],
)
async def test_each_command_is_answered(bot: LineBot, command: str, expected: str) -> None:
    messages = await ask(bot, command)
    assert expected in texts(messages)


@pytest.mark.parametrize(("command", "read"), [("最新", "読む"), ("latest", "Read")])
async def test_latest_is_the_digest_carousel(bot: LineBot, command: str, read: str) -> None:
    [carousel] = await ask(bot, command)
    assert carousel["type"] == "flex"
    bubbles = carousel["contents"]["contents"]
    assert [b["header"]["contents"][1]["text"] for b in bubbles] == [
        "トピック",
        "気になった記事",
        "小ネタ",
        "編集後記",
    ]
    button = bubbles[0]["footer"]["contents"][0]["action"]
    assert button["label"] == read and decode(button["data"]) == (
        "issue 1 topic",
        "ja" if read == "読む" else "en",
    )
    assert quick_labels([carousel]) == ["トピック", "気になった記事", "小ネタ", "編集後記"]


async def test_a_section_answer_offers_the_other_sections(bot: LineBot) -> None:
    messages = await ask(bot, "最新トピック")
    assert quick_labels(messages) == ["気になった記事", "小ネタ", "編集後記"]
    assert "quickReply" not in messages[0]  # only the last message's buttons show


@pytest.mark.parametrize(
    ("subscribe", "settings", "unsubscribe"),
    [("購読 トピック", "設定", "購読解除"), ("subscribe topic", "settings", "unsubscribe")],
)
async def test_subscription_commands_change_the_followers_choice(
    bot: LineBot, subscribe: str, settings: str, unsubscribe: str
) -> None:
    followers = LineFollowers(bot.services.db)
    assert "トピック" in texts(await ask(bot, subscribe))
    follower = await followers.get(USER)
    assert follower is not None and follower.sections == ("topic",) and follower.active
    assert "トピック" in texts(await ask(bot, settings))
    await ask(bot, unsubscribe)
    follower = await followers.get(USER)
    assert follower is not None and not follower.active
    assert await followers.active() == []


async def test_a_postback_button_runs_its_command(bot: LineBot) -> None:
    await bot.send(bot.hooks.postback(USER, "cmd:issue 1 afterword"))
    [reply] = bot.api.replies()
    assert reply.messages[0]["text"].startswith("【編集後記】")


async def test_a_postback_that_is_not_ours_is_ignored(bot: LineBot) -> None:
    await bot.send(bot.hooks.postback(USER, "action=buy&item=1"))
    assert bot.api.replies() == []


LONG_ISSUE = """---
title: 特大号
date: 2025-10-11
---
# 小ネタ
{items}
# 編集後記
今週は小ネタが多めでした。
"""


async def test_a_long_answer_pages_by_postback_through_new_replies(
    bot: LineBot, tmp_path: Path
) -> None:
    items = "\n".join(f"## 小ネタその{n}\n{n}本目の小ネタの本文です。" for n in range(1, 13))
    issue = tmp_path / "2025-10-11.md"
    issue.write_text(LONG_ISSUE.format(items=items), encoding="utf-8")
    services = bot.services
    assert isinstance(services.clock, FixedClock)
    services.clock.set(datetime(2025, 10, 12, tzinfo=UTC))
    await ingest_paths(
        [issue],
        profile=services.profile,
        db=services.db,
        content_dir=tmp_path,
        clock=services.clock,
    )

    first = await ask(bot, "最新小ネタ")
    assert len(first) == 5
    assert "小ネタその1" in first[0]["text"] and "小ネタその5" in first[4]["text"]
    more = first[-1]["quickReply"]["items"][0]["action"]
    assert more["label"] == "続きを読む (6/12)"
    assert decode(more["data"]) == ("issue 2 shorts p6", "ja")

    await bot.send(bot.hooks.postback(USER, more["data"]))
    second = bot.api.replies()[-1].messages
    assert [m["text"].split("\n")[1] for m in second] == [f"小ネタその{n}" for n in range(6, 11)]
    more = second[-1]["quickReply"]["items"][0]["action"]
    assert more["label"] == "続きを読む (11/12)"

    # Typing "次へ" continues where the buttons are, too.
    third = await ask(bot, "次へ")
    assert [m["text"].split("\n")[1] for m in third] == ["小ネタその11", "小ネタその12"]
    assert "続きを読む" not in " ".join(quick_labels(third))
    # Paging never pushes: every answer was a reply.
    assert {d.endpoint for d in bot.api.deliveries} == {"reply"}


NEXT_WEEK = """---
title: 次の号
date: 2025-10-11
---
## トピック
### 今週の話題
新しい号のトピックです。
## お知らせ
来週はお休みします。
"""


async def _second_issue(bot: LineBot, tmp_path: Path) -> None:
    issue = tmp_path / "2025-10-11.md"
    issue.write_text(NEXT_WEEK, encoding="utf-8")
    services = bot.services
    assert isinstance(services.clock, FixedClock)
    services.clock.set(datetime(2025, 10, 12, tzinfo=UTC))
    report = await ingest_paths(
        [issue],
        profile=services.profile,
        db=services.db,
        content_dir=tmp_path,
        clock=services.clock,
    )
    assert report.ok, report.errors


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("前号", "週刊ビジネスレター 第1号"),
        ("先週の記事", "【気になった記事】"),
        ("last week's topic", "CoreWeave"),
        ("previous issue", "週刊ビジネスレター #1"),
        ("今週のトピック", "新しい号のトピックです。"),
        ("this week's topic", "新しい号のトピックです。"),
    ],
)
async def test_issues_named_relative_to_the_latest_are_answered_on_line(
    bot: LineBot, tmp_path: Path, command: str, expected: str
) -> None:
    await _second_issue(bot, tmp_path)
    assert expected in texts(await ask(bot, command))


async def test_a_section_the_profile_does_not_know_has_a_working_button(
    bot: LineBot, tmp_path: Path
) -> None:
    await _second_issue(bot, tmp_path)
    digest = await ask(bot, "最新号")
    [data] = [
        action["data"]
        for item in digest[-1]["quickReply"]["items"]
        if (action := item["action"])["label"] == "お知らせ"
    ]
    await bot.send(bot.hooks.postback(USER, data))
    answer = bot.api.replies()[-1].messages
    assert answer[0]["text"].startswith("【お知らせ】")
    assert "来週はお休みします。" in answer[0]["text"]
    assert "来週はお休みします。" in texts(await ask(bot, "お知らせ"))
