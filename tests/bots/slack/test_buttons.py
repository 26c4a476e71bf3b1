"""Buttons: the next part, the other sections, and sharing a private answer with the channel."""

from __future__ import annotations

from typing import Any

from bots.slack.blocks import ACTION_NEXT, ACTION_SHARE
from tests.bots.slack.conftest import SlackHarness
from tests.bots.slack.test_commands import assert_valid, buttons, texts, values


def action_id(message: dict[str, Any], label: str) -> str:
    for block in message["blocks"]:
        if block["type"] == "actions":
            for element in block["elements"]:
                if element["text"]["text"] == label:
                    return str(element["action_id"])
    raise AssertionError(f"no button {label!r}")


async def test_next_part_replaces_the_private_answer_with_the_next_page(
    haishin_long: SlackHarness,
) -> None:
    slack = haishin_long.slack
    [first] = await haishin_long.command("第1号 トピック", key="page")
    [label] = [label for label in buttons(first) if label.startswith("次へ")]
    assert action_id(first, label) == ACTION_NEXT

    click = haishin_long.inbound.action(
        ACTION_NEXT, values(first)[label], response_url=slack.response_url("page"), ephemeral=True
    )
    assert (await haishin_long.post(click)).status_code == 200
    second = slack.responses("page")[-1]
    assert_valid(second)
    assert second["replace_original"] is True
    assert second["response_type"] == "ephemeral"
    assert "4–6/" in texts(second)  # still in Japanese: "4–6/6", not "parts 4–6 of 6"
    assert texts(second) != texts(first)
    assert slack.calls("chat.postMessage") == []  # nothing went to the channel


async def test_next_typed_as_a_word_continues_where_the_reader_left_off(
    haishin_long: SlackHarness,
) -> None:
    await haishin_long.command("第1号 トピック", key="a")
    [more] = await haishin_long.command("次へ", key="b")
    assert "4–6/" in texts(more)


async def test_a_section_button_shows_that_section(haishin: SlackHarness) -> None:
    slack = haishin.slack
    [topic] = await haishin.command("最新トピック", key="s")
    value = values(topic)["編集後記"]
    click = haishin.inbound.action(
        action_id(topic, "編集後記"), value, response_url=slack.response_url("s"), ephemeral=True
    )
    await haishin.post(click)
    afterword = slack.responses("s")[-1]
    assert_valid(afterword)
    assert afterword["blocks"][0]["text"]["text"] == "編集後記"
    assert "今週は、AIインフラの巨額契約" in texts(afterword)


async def test_a_button_under_a_thread_answer_posts_in_that_thread(haishin: SlackHarness) -> None:
    slack = haishin.slack
    mention = haishin.inbound.mention("最新トピック", channel="C0TEAM", ts="1700000000.000100")
    await haishin.post(mention)
    [answer] = slack.messages("C0TEAM")
    click = haishin.inbound.action(
        "haishin_cmd_2",
        values({"blocks": answer.blocks})["編集後記"],
        channel_id="C0TEAM",
        message_ts=answer.ts,
        thread_ts="1700000000.000100",
        response_url=slack.response_url("thread"),
    )
    await haishin.post(click)
    posted = slack.messages("C0TEAM")
    assert len(posted) == 2
    assert posted[1].thread_ts == "1700000000.000100"
    assert posted[1].blocks is not None and posted[1].blocks[0]["text"]["text"] == "編集後記"
    assert slack.responses("thread") == []


async def test_share_posts_the_answer_in_the_channel(haishin: SlackHarness) -> None:
    slack = haishin.slack
    [private] = await haishin.command("latest topic", key="share")
    value = values(private)["Share in channel"]
    assert action_id(private, "Share in channel") == ACTION_SHARE
    click = haishin.inbound.action(
        ACTION_SHARE, value, response_url=slack.response_url("share"), ephemeral=True
    )
    await haishin.post(click)
    deleted, shared = slack.responses("share")[-2:]
    assert deleted == {"delete_original": True}
    assert shared["response_type"] == "in_channel"
    assert_valid(shared)
    assert "CoreWeave" in texts(shared)
    assert "Share in channel" not in buttons(shared)
