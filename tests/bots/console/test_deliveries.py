"""The deliveries page: subscriptions with their next slot, pause/resume, and the ledger."""

from __future__ import annotations

import uuid
from datetime import timedelta

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import text

from core.slot import WeeklySlot
from core.storage.models import DeliveryRow
from tests.bots.console.conftest import NOW, ConsoleHarness


def words(node: object) -> str:
    return " ".join(node.text(separator=" ").split())  # type: ignore[attr-defined]


async def test_empty_state_explains_how_to_subscribe(console: ConsoleHarness) -> None:
    response = await console.page("/deliveries")
    assert response.status_code == 200
    assert "No subscriptions yet" in response.text
    assert "/haishin subscribe" in response.text


async def test_subscriptions_show_sections_cadence_and_next_slot(console: ConsoleHarness) -> None:
    repo = console.services.db
    from core.storage import SubscriptionRepository

    subs = SubscriptionRepository(repo, clock=console.clock)
    await subs.add(
        platform="slack",
        workspace="T1",
        target="C1",
        sections=["topic", "afterword"],
        cadence="weekly",
        slot=WeeklySlot.parse("sat 09:00", "Asia/Tokyo"),
    )
    await subs.add(platform="line", target="all")
    sample = (console.content / "issues" / "2025-10-04.txt").read_text(encoding="utf-8")
    await console.ingest("2025-10-11.txt", sample.replace("CoreWeave", "Lambda"))
    tree = HTMLParser((await console.page("/deliveries")).text)
    rows = [words(row) for row in tree.css("table tbody tr")]
    # NOW is Sunday 2025-10-05 12:00 in Tokyo: the next Saturday 09:00 is the 11th.
    assert "slack:T1/C1" in rows[0]
    assert "トピック / 編集後記" in rows[0]
    assert "weekly, sat 09:00 Asia/Tokyo" in rows[0]
    assert "2025-10-11 09:00 JST" in rows[0]
    assert "line:all" in rows[1] and "all sections" in rows[1]
    assert "#2 at 2025-10-11 07:00 JST" in rows[1]


async def test_pause_and_resume_from_the_page(console: ConsoleHarness) -> None:
    from core.storage import SubscriptionRepository

    subs = SubscriptionRepository(console.services.db, clock=console.clock)
    sub = await subs.add(platform="line", target="U123")
    paused = await console.post(f"/deliveries/subscriptions/{sub.id}/pause", {})
    assert paused.status_code == 303
    stored = await subs.get(sub.id)
    assert stored is not None and not stored.active
    assert stored.paused_reason == "paused from the console"
    page = await console.page(paused.headers["location"])
    assert "Paused: nothing more goes to it" in page.text
    assert "Resume" in page.text
    resumed = await console.post(f"/deliveries/subscriptions/{sub.id}/resume", {})
    assert (
        "Resumed: it gets the next issue again."
        in (await console.page(resumed.headers["location"])).text
    )
    stored = await subs.get(sub.id)
    assert stored is not None and stored.active
    missing = await console.post("/deliveries/subscriptions/999/pause", {})
    assert missing.status_code == 404


async def test_pause_needs_the_csrf_token(console: ConsoleHarness) -> None:
    from core.storage import SubscriptionRepository

    subs = SubscriptionRepository(console.services.db, clock=console.clock)
    sub = await subs.add(platform="line", target="U123")
    await console.csrf()
    response = await console.http.post(f"/deliveries/subscriptions/{sub.id}/pause")
    assert response.status_code == 403
    stored = await subs.get(sub.id)
    assert stored is not None and stored.active


async def test_ledger_shows_what_went_where_and_what_failed(console: ConsoleHarness) -> None:
    from core.storage import IssueRepository, SubscriptionRepository

    sub = await SubscriptionRepository(console.services.db, clock=console.clock).add(
        platform="slack", workspace="T1", target="C1"
    )
    issue = await IssueRepository(console.services.db).get(1)
    assert issue is not None

    def row(unit: str, position: int, state: str, **extra: object) -> DeliveryRow:
        return DeliveryRow(
            id=str(uuid.uuid4()),
            subscription_id=sub.id,
            issue_id=issue.id,
            revision=1,
            unit=unit,
            position=position,
            state=state,
            attempts=extra.pop("attempts", 1),
            created_at=NOW,
            updated_at=NOW + timedelta(minutes=position),
            **extra,
        )

    async with console.services.db.transaction() as session:
        session.add_all(
            [
                row("parent", 0, "sent", sent_ref="C1:1700000000.000100", duplicates_removed=1),
                row(
                    "topic/0/1",
                    1,
                    "failed",
                    attempts=3,
                    last_error="channel_not_found: the channel was deleted",
                    next_attempt_at=NOW + timedelta(minutes=5),
                ),
            ]
        )
    tree = HTMLParser((await console.page("/deliveries")).text)
    assert [words(a) for a in tree.css(".states a")] == ["all", "sent 1", "failed 1"]
    rows = {words(r.css("td")[3]): words(r) for r in tree.css("table.ledger tbody tr")}
    assert "C1:1700000000.000100" in rows["parent"]
    assert "duplicate removed" in rows["parent"]  # a late copy of it was deleted
    assert "channel_not_found: the channel was deleted" in rows["topic/0/1"]
    failed = tree.css_first("table.ledger tr.failed .error-text")
    assert failed is not None
    only_failed = HTMLParser((await console.page("/deliveries?state=failed")).text)
    assert len(only_failed.css("table.ledger tbody tr")) == 1


async def test_an_unreadable_ledger_is_an_empty_state_not_an_error(
    console: ConsoleHarness,
) -> None:
    async with console.services.db.transaction() as session:
        await session.execute(text("DROP TABLE deliveries"))
    response = await console.page("/deliveries")
    assert response.status_code == 200
    assert "The delivery ledger cannot be read" in response.text
    assert "No subscriptions yet" in response.text


async def test_publish_now_makes_a_scheduled_issue_readable(console: ConsoleHarness) -> None:
    sample = (console.content / "issues" / "2025-10-04.txt").read_text(encoding="utf-8")
    await console.ingest("2025-10-11.txt", sample.replace("CoreWeave", "Lambda"))
    page = HTMLParser((await console.page("/issues/2")).text)
    assert "scheduled" in words(page.css_first(".facts"))
    form = page.css_first("form[action='/issues/2/publish']")
    assert form is not None and "data-confirm" in form.attributes
    response = await console.post("/issues/2/publish", {})
    assert response.status_code == 303
    after = await console.page(response.headers["location"])
    assert "Published: subscribers who get issues on publication get it now." in after.text
    assert "/issues/2/publish" not in after.text
    # Readers see it now: the bot answers with it.
    answer = await console.post("/try", {"platform": "slack", "text": "最新トピック"})
    assert "Lambda、Metaとの巨額契約" in answer.text
    again = await console.post("/issues/2/publish", {})
    assert "published already" in (await console.page(again.headers["location"])).text


async def test_publish_needs_the_csrf_token(console: ConsoleHarness) -> None:
    sample = (console.content / "issues" / "2025-10-04.txt").read_text(encoding="utf-8")
    await console.ingest("2025-10-11.txt", sample.replace("CoreWeave", "Lambda"))
    await console.csrf()
    assert (await console.http.post("/issues/2/publish")).status_code == 403
    from core.storage import IssueRepository

    stored = await IssueRepository(console.services.db).get(2)
    assert stored is not None and stored.published_at is None
