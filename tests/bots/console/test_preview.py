"""Previewing an issue file that is not stored: pasted, uploaded or from the content folder."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from core.storage import IssueRepository
from tests.bots.console.conftest import ConsoleHarness

ISSUE = "トピック\n🧪 新しい話題\n本文です。\n編集後記\nまた来週。\n"


async def test_pasted_text_is_previewed_and_not_stored(console: ConsoleHarness) -> None:
    response = await console.post("/preview", {"name": "2025-10-11.txt", "text": ISSUE})
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    titles = [
        n.css_first(".sec-title").text(separator=" ").split()[0]  # type: ignore[union-attr]
        for n in tree.css(".cell.structure[id^=s-]")
    ]
    assert titles == ["トピック", "編集後記"]
    assert "dated 2025-10-11" in response.text
    assert "【トピック】\n🧪 新しい話題" in tree.css(".cell.line .ln-bubble")[0].text()
    assert await IssueRepository(console.services.db).get(2) is None


async def test_uploaded_markdown_file_is_previewed(console: ConsoleHarness) -> None:
    token = await console.csrf("/preview")
    files = {"file": ("2025-10-18.md", "## 気になった記事\n\n### 見出し\n\n本文。\n".encode())}
    response = await console.http.post("/preview", data={"csrf": token}, files=files)
    assert response.status_code == 200
    assert "Previewing" in response.text and "2025-10-18.md" in response.text
    assert "気になった記事" in response.text


async def test_a_file_that_cannot_be_read_says_why_in_red(console: ConsoleHarness) -> None:
    bad = "---\nnumber: [unclosed\n---\nトピック\n本文\n"
    response = await console.post("/preview", {"name": "2025-10-11.md", "text": bad})
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    alert = tree.css_first("section.summary.bad")
    assert alert is not None
    assert "can't be read as an issue" in alert.text()
    assert "2025-10-11.md" in alert.text()
    # The form keeps what was pasted, to fix and try again.
    assert "number: [unclosed" in tree.css_first("textarea").text()  # type: ignore[union-attr]


async def test_nothing_to_preview_is_said_plainly(console: ConsoleHarness) -> None:
    response = await console.post("/preview", {"name": "", "text": ""})
    assert "Choose a file or paste its text." in response.text


async def test_unstored_files_of_the_content_folder_are_listed_and_previewable(
    console: ConsoleHarness,
) -> None:
    (console.content / "issues" / "2025-10-11.txt").write_text(ISSUE, encoding="utf-8")
    index = HTMLParser((await console.page("/")).text)
    links = [a.attributes["href"] for a in index.css(".files a")]
    assert links == ["/preview?file=issues/2025-10-11.txt"]
    response = await console.page(links[0])  # type: ignore[arg-type]
    assert response.status_code == 200
    assert "新しい話題" in response.text


async def test_only_issue_files_of_the_content_folder_can_be_previewed(
    console: ConsoleHarness,
) -> None:
    for key in ("../../etc/passwd", "/etc/passwd", "newsletter.toml", "issues/../newsletter.toml"):
        response = await console.page("/preview?file=" + key)
        assert response.status_code == 404, key
