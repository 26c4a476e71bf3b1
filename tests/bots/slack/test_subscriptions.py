"""/haishin subscribe, unsubscribe and settings act on the channel's subscription."""

from __future__ import annotations

from datetime import time

from core.storage import SubscriptionRepository
from tests.bots.slack.conftest import SlackHarness
from tests.bots.slack.test_commands import assert_valid, texts


def repository(harness: SlackHarness) -> SubscriptionRepository:
    return SubscriptionRepository(harness.services.db)


async def test_subscribe_defaults_to_every_section_at_the_newsletters_slot(
    haishin: SlackHarness,
) -> None:
    responses = await haishin.command("subscribe", channel_id="C0NEWS")
    [sub] = await repository(haishin).list(platform="slack")
    assert (sub.workspace, sub.target, sub.sections) == ("T0001", "C0NEWS", ())
    assert sub.cadence == "weekly"
    assert sub.slot is not None
    assert (sub.slot.weekday, sub.slot.at, sub.slot.zone.key) == (5, time(9, 0), "Asia/Tokyo")
    assert sub.starts_after == 1  # no back catalogue: the next issue is the first it gets
    # The channel is told, in the channel; nothing private is needed.
    [notice] = haishin.slack.messages("C0NEWS")
    assert "<@U0001>" in notice.text
    assert "every Saturday at 09:00 (Asia/Tokyo)" in notice.text
    assert responses == []


async def test_subscribe_with_sections_and_a_time_in_japanese(haishin: SlackHarness) -> None:
    await haishin.command("購読 トピック 編集後記 月 8:30", channel_id="C0NEWS")
    [sub] = await repository(haishin).list(platform="slack")
    assert sub.sections == ("topic", "afterword")
    assert sub.slot is not None and (sub.slot.weekday, sub.slot.at) == (0, time(8, 30))
    [notice] = haishin.slack.messages("C0NEWS")
    assert "トピック, 編集後記" in notice.text
    assert "毎週月曜 08:30 (Asia/Tokyo)" in notice.text


async def test_subscribe_on_publish(haishin: SlackHarness) -> None:
    await haishin.command("subscribe afterword on-publish", channel_id="C0NEWS")
    [sub] = await repository(haishin).list(platform="slack")
    assert (sub.cadence, sub.slot, sub.sections) == ("on-publish", None, ("afterword",))


async def test_settings_shows_what_the_channel_gets(haishin: SlackHarness) -> None:
    [before] = await haishin.command("settings", key="s1", channel_id="C0NEWS")
    assert "is not subscribed" in texts(before)
    await haishin.command("subscribe topic fri 18:00", channel_id="C0NEWS")
    [after] = await haishin.command("設定", key="s2", channel_id="C0NEWS")
    assert_valid(after)
    assert after["response_type"] == "ephemeral"
    assert "トピック" in texts(after) and "毎週金曜 18:00" in texts(after)


async def test_unsubscribe_removes_the_subscription(haishin: SlackHarness) -> None:
    await haishin.command("subscribe", channel_id="C0NEWS")
    await haishin.command("unsubscribe", channel_id="C0NEWS")
    assert await repository(haishin).list(platform="slack") == []
    notices = haishin.slack.messages("C0NEWS")
    assert "is unsubscribed" in notices[-1].text
    [again] = await haishin.command("購読解除", key="u2", channel_id="C0NEWS")
    assert "購読していません" in texts(again)


async def test_a_bad_time_is_explained_and_nothing_is_stored(haishin: SlackHarness) -> None:
    [answer] = await haishin.command("subscribe topic someday 25:99", channel_id="C0NEWS")
    assert "mon 09:00" in texts(answer) or "HH:MM" in texts(answer)
    assert await repository(haishin).list(platform="slack") == []


async def test_a_channel_the_bot_cannot_post_in_is_told_to_invite_it(
    haishin: SlackHarness,
) -> None:
    haishin.slack.fail("chat.postMessage", error="not_in_channel", channel="C0PRIVATE")
    responses = await haishin.command("subscribe", channel_id="C0PRIVATE")
    assert "invite @haishin to this channel" in "\n".join(texts(r) for r in responses)
    assert all(r["response_type"] == "ephemeral" for r in responses)
    assert len(await repository(haishin).list(platform="slack")) == 1
