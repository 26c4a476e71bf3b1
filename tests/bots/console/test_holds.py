"""The console and held issues: cancelling a scheduled issue (with CSRF), drafts shown as
such, numbers beyond any issue, and links out of the content folder."""

from __future__ import annotations

import html
import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from core.storage import IssueRepository
from tests.bots.console.conftest import ConsoleHarness


def words(node: object) -> str:
    return " ".join(node.text(separator=" ").split())  # type: ignore[attr-defined]


async def test_an_editor_cancels_a_scheduled_issue_and_puts_it_back(
    console: ConsoleHarness,
) -> None:
    sample = (console.content / "issues" / "2025-10-04.txt").read_text(encoding="utf-8")
    await console.ingest("2025-10-11.txt", sample.replace("CoreWeave", "Lambda"))
    page = HTMLParser((await console.page("/issues/2")).text)
    form = page.css_first("form[action='/issues/2/unschedule']")
    assert form is not None and "data-confirm" in form.attributes

    assert (await console.http.post("/issues/2/unschedule")).status_code == 403  # no CSRF
    repo = IssueRepository(console.services.db)
    assert (await repo.get(2)).held is None  # type: ignore[union-attr]

    response = await console.post("/issues/2/unschedule", {})

    assert response.status_code == 303
    after = await console.page(response.headers["location"])
    assert "Cancelled: it won't be published or sent" in html.unescape(after.text)
    facts = words(HTMLParser(after.text).css_first(".facts"))
    assert "cancelled" in facts and "was due 2025-10-11 07:00" in facts
    assert (await repo.get(2)).held == "cancelled"  # type: ignore[union-attr]
    listing = HTMLParser((await console.page("/")).text)
    assert "cancelled" in words(listing.css_first("a[href='/issues/2']").parent.parent)  # type: ignore[union-attr]

    back = await console.post("/issues/2/reschedule", {})
    assert back.status_code == 303
    assert "Back on schedule" in (await console.page(back.headers["location"])).text
    assert (await repo.get(2)).held is None  # type: ignore[union-attr]


async def test_a_published_issue_offers_no_cancel_and_refuses_one(
    console: ConsoleHarness,
) -> None:
    await IssueRepository(console.services.db).mark_published(1, console.clock.now())
    page = await console.page("/issues/1")
    assert "/issues/1/unschedule" not in page.text
    response = await console.post("/issues/1/unschedule", {})
    assert response.status_code == 409
    assert "can't be cancelled" in html.unescape(response.text)


async def test_an_undated_file_shows_as_a_draft(console: ConsoleHarness) -> None:
    await console.ingest("notes.txt", "トピック\n🚀 書きかけ\n下書きです。\n")
    page = HTMLParser((await console.page("/issues/2")).text)
    assert "draft" in words(page.css_first(".facts"))
    assert "its file has no date" in words(page.css_first(".facts"))
    # Readers don't see it: the bot's latest is still issue 1.
    answer = await console.post("/try", {"platform": "slack", "text": "最新トピック"})
    assert "書きかけ" not in answer.text and "CoreWeave" in answer.text


async def test_numbers_beyond_any_issue_are_404_not_500(console: ConsoleHarness) -> None:
    for number in ("100000000000000000000000000000", "2147483648", "0"):
        page = await console.page(f"/issues/{number}")
        assert page.status_code == 404, number
        assert "No such issue" in page.text
        for action in ("publish", "unschedule", "reschedule"):
            response = await console.post(f"/issues/{number}/{action}", {})
            assert response.status_code == 404, (number, action)
        for action in ("pause", "resume"):
            response = await console.post(f"/deliveries/subscriptions/{number}/{action}", {})
            assert response.status_code == 404, (number, action)


async def test_a_link_out_of_the_content_folder_is_listed_by_name_and_not_read(
    console: ConsoleHarness,
) -> None:
    secret = console.content.parent / "secret.txt"
    secret.write_text("トピック\n🚀 token\nxoxb-leaked\n", encoding="utf-8")
    (console.content / "issues" / "2025-10-11.txt").symlink_to(secret)
    index = HTMLParser((await console.page("/")).text)
    links = [a.attributes["href"] for a in index.css(".files a")]
    assert links == ["/preview?file=issues/2025-10-11.txt"]
    response = await console.page(links[0])  # type: ignore[arg-type]
    assert response.status_code == 403
    assert re.search(r"is a link to .*secret\.txt, outside the content folder", response.text)
    assert "xoxb-leaked" not in response.text
