"""Exactly once on a slow platform, over HTTP: the fake Slack API finishes a post after the
publisher's 2 s timeout. The ledger's clock is faked; the late landing itself is real time
(the fake holds the request), so the tests wait for it to happen, never for it not to."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from bots.slack.publisher import SETTLE_MARGIN_SECONDS
from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.bots import test_serve_delivery as serve
from tests.bots.test_serve_delivery import UNITS, Harness, later

# The same loopback harness as test_serve_delivery (its fixtures, by name).
slack, line, harness = serve.slack, serve.line, serve.harness

SETTLE = 2 + SETTLE_MARGIN_SECONDS  # the harness's send timeout is 2 s


async def landed(h: Harness, count: int, *, within: float = 20.0) -> None:
    """Wait until the fake holds ``count`` messages in C1 (a late post has gone in)."""
    deadline = time.monotonic() + within
    while h.posted("C1") < count:
        assert time.monotonic() < deadline, f"{h.posted('C1')} posts, expected {count}"
        await asyncio.sleep(0.05)


async def test_a_post_landing_before_the_settle_time_is_never_resent(harness: Harness) -> None:
    await harness.subscribe("slack:T0001/C1")
    await harness.hand_over()
    harness.slack.fail("chat.postMessage", delay=3, applied=True)  # lands 1 s after timing out
    await harness.run()
    parent, *rest = await DeliveryLedgerRepository(harness.db).rows()
    assert parent.state == "failed" and parent.error_code == "timeout"
    assert parent.next_attempt_at is not None
    assert parent.next_attempt_at - harness.clock.now() > timedelta(seconds=SETTLE - 3)
    later(harness, SETTLE / 2)
    await harness.run()  # not settled: no look, no resend, the thread waits
    assert harness.slack.calls("conversations.history") == []
    assert {r.state for r in rest} == {"pending"}
    await landed(harness, 1)
    later(harness, SETTLE / 2 + 1)
    await harness.run()
    assert harness.posted("C1") == UNITS
    assert harness.slack.stats()["duplicates"] == 0
    assert len(harness.slack.calls("chat.postMessage")) == UNITS  # never resent
    assert len(harness.slack.calls("conversations.history")) == 1
    assert set(await harness.states()) == {"sent"}


async def test_a_post_landing_after_the_lookup_is_deleted(harness: Harness) -> None:
    await harness.subscribe("slack:T0001/C1")
    await harness.hand_over()
    harness.slack.fail("chat.postMessage", delay=5, applied=True)  # lands after the lookup
    await harness.run()
    later(harness, SETTLE + 1)  # the bound is wrong for this post: it lands later still
    await harness.run()
    assert harness.slack.calls("conversations.history")[0].response["messages"] == []
    await landed(harness, UNITS + 1)  # both parents are in the channel now
    assert harness.slack.stats()["duplicates"] == 1
    later(harness, SETTLE + 1)
    assert await harness.worker.duplicates.run() == 1
    assert harness.posted("C1") == UNITS
    assert harness.slack.stats()["duplicates"] == 0
    deleted = harness.slack.calls("chat.delete")
    parent = (await DeliveryLedgerRepository(harness.db).rows())[0]
    assert parent.duplicates_removed == 1
    kept = parent.sent_ref
    assert kept is not None and deleted[0].params["ts"] != kept.split(":")[1]
    threaded = {m.thread_ts for m in harness.slack.messages("C1") if m.thread_ts}
    assert threaded == {kept.split(":")[1]}  # the replies hang on the parent that stayed


async def test_line_resends_with_the_same_key_within_24_hours(harness: Harness) -> None:
    await serve.line_followers(harness, 3, chosen={})
    await harness.subscribe("line:all")
    await harness.hand_over()
    harness.line.fail_next("/v2/bot/message/broadcast", 500, accept=True)
    await harness.run()
    later(harness, 23 * 3600)  # a day's key, nearly used up: still resent with it
    await harness.run()
    calls = harness.line.calls("/v2/bot/message/broadcast")
    assert [c.status for c in calls] == [500, 409]
    keys = {c.retry_key for c in calls}
    assert len(keys) == 1 and None not in keys
    assert len([d for d in harness.line.deliveries if d.endpoint == "broadcast"]) == 1
    assert set(await harness.states()) == {"sent"}


async def test_line_in_doubt_past_24_hours_goes_to_the_editor_not_out_again(
    harness: Harness,
) -> None:
    await serve.line_followers(harness, 3, chosen={})
    await harness.subscribe("line:all")
    await harness.hand_over()
    harness.line.fail_next("/v2/bot/message/broadcast", 500, accept=True)
    await harness.run()
    later(harness, 24 * 3600)  # the retry key may have expired: a resend could deliver twice
    await harness.run()
    assert len(harness.line.calls("/v2/bot/message/broadcast")) == 1  # not resent
    (row,) = await DeliveryLedgerRepository(harness.db).rows()
    assert row.state == "dead" and row.error_code == "retry_key_expired"
    assert row.last_error is not None and "haishin send" in row.last_error
