"""The console's read-only pages, as a browser gets them from the real app."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import text

from tests.bots.console.conftest import TOKEN, ConsoleHarness


def dom(text: str) -> HTMLParser:
    return HTMLParser(text)


def words(node: Any) -> str:
    """A node's text as a person reads it: white space collapsed."""
    return " ".join(node.text(separator=" ").split())


def texts(tree: Any, selector: str) -> list[str]:
    return [words(node) for node in tree.css(selector)]


async def test_issue_list_shows_number_date_title_state_and_sections(
    console: ConsoleHarness,
) -> None:
    response = await console.page("/")
    assert response.status_code == 200
    tree = dom(response.text)
    row = tree.css_first("table.issues tbody tr")
    assert row is not None
    cells = [words(td) for td in row.css("td")]
    assert cells[0] == "#1"
    assert cells[1] == "2025-10-04"
    # The sample has no title: its first headline stands in, with the section labels.
    assert "CoreWeave、Metaとの巨額契約で株価急騰" in cells[2]
    assert texts(row, ".label") == ["トピック", "気になった記事", "小ネタ", "編集後記"]
    assert "published" in cells[3] and "2025-10-04 07:00 JST" in cells[3]
    assert cells[4] == "rev 1"
    assert "Slack and LINE are off" in response.text


async def test_issue_list_shows_scheduled_and_corrected_issues(console: ConsoleHarness) -> None:
    sample = (console.content / "issues" / "2025-10-04.txt").read_text(encoding="utf-8")
    await console.ingest("2025-10-11.txt", sample.replace("CoreWeave", "Lambda"))
    await console.ingest("2025-10-04.txt", sample.replace("株価急騰", "株価が急騰"))
    tree = dom((await console.page("/")).text)
    rows = {words(row.css_first("td")): words(row) for row in tree.css("table.issues tbody tr")}
    assert "scheduled" in rows["#2"] and "2025-10-11 07:00 JST" in rows["#2"]
    assert "corrected · rev 2" in rows["#1"]
    assert "#2 · 2025-10-11 07:00 JST" in tree.css_first(".glance").text(separator=" ")  # type: ignore[union-attr]


async def test_empty_database_says_how_to_add_issues(console: ConsoleHarness) -> None:
    await console.services.db.dispose()
    async with console.services.db.transaction() as session:
        await session.execute(text("DELETE FROM issues"))
    response = await console.page("/")
    assert response.status_code == 200
    assert "No issues yet" in response.text
    assert "haishin ingest" in response.text


async def test_issue_page_shows_four_sections_beside_their_posts(console: ConsoleHarness) -> None:
    response = await console.page("/issues/1")
    assert response.status_code == 200
    tree = dom(response.text)
    outlines = tree.css(".cell.structure[id^=s-]")
    titles = [words(node.css_first(".sec-title")) for node in outlines]
    assert titles == [
        "トピック topic",
        "気になった記事 articles",
        "小ネタ2本 shorts",
        "編集後記 afterword",
    ]
    slack_cells = tree.css(".cell.slack")[1:]  # the first is the digest
    line_cells = tree.css(".cell.line")[1:]
    assert [len(cell.css(".sk-msg")) for cell in slack_cells] == [2, 1, 2, 1]
    assert [len(cell.css(".ln-bubble")) for cell in line_cells] == [2, 1, 2, 1]
    # Slack draws Block Kit: the header, bold mrkdwn as <b>, the context line.
    first = slack_cells[0].css_first(".sk-msg")
    assert first.css_first(".sk-header").text(strip=True) == "トピック"  # type: ignore[union-attr]
    assert "🚀 CoreWeave、Metaとの巨額契約で株価急騰" in texts(first, ".sk-text b")
    assert "“ネオクラウド”" in texts(first, ".sk-text b")
    assert "トピック · 第1号 · 1/2" in texts(first, ".sk-context")
    # LINE draws text bubbles with the part header.
    assert line_cells[0].css_first(".ln-bubble").text().startswith("【トピック】 1/2\n🚀 CoreWeave")  # type: ignore[union-attr]


async def test_issue_page_shows_the_digest_as_each_platform_sends_it(
    console: ConsoleHarness,
) -> None:
    tree = dom((await console.page("/issues/1")).text)
    parent = tree.css_first("#digest-slack")
    assert parent.css_first(".sk-header").text(strip=True) == "週刊ビジネスレター 第1号"  # type: ignore[union-attr]
    assert "全文はこのスレッドに続きます" in parent.text()  # type: ignore[union-attr]
    assert "6 replies" in parent.css_first(".sk-replies").text()  # type: ignore[union-attr]
    carousel = tree.css_first("#digest-line")
    bubbles = carousel.css(".fx-bubble")  # type: ignore[union-attr]
    assert [b.css(".fx-header .fx-text")[1].text(strip=True) for b in bubbles] == [
        "トピック",
        "気になった記事",
        "小ネタ",
        "編集後記",
    ]
    # Every "読む" button and quick reply sends its command to the chat box.
    read = bubbles[0].css_first(".fx-button")
    assert read.text(strip=True) == "読む"  # type: ignore[union-attr]
    assert read.attributes["href"].startswith("/try?platform=line&button=cmd%3Aja%3A")  # type: ignore[union-attr]
    assert texts(carousel, ".ln-quick .ln-chip") == [
        "トピック",
        "気になった記事",
        "小ネタ",
        "編集後記",
    ]


async def test_issue_page_marks_where_the_posts_split_and_their_sizes(
    console: ConsoleHarness,
) -> None:
    tree = dom((await console.page("/issues/1")).text)
    topic = tree.css_first("#s-0")
    cuts = texts(topic, "li.cut")
    assert cuts == ["✂ Slack part 2/2 starts here", "✂ LINE part 2/2 starts here"]
    # The cut falls right before the sub-heading まとめ.
    rows = [words(li) for li in topic.css(".rows > li")]  # type: ignore[union-attr]
    after = rows.index("✂ LINE part 2/2 starts here") + 1
    assert rows[after].startswith("■ まとめ")
    meters = texts(tree.css(".cell.slack")[1], ".meter-text")
    assert meters[0].endswith("/ 10,500 mrkdwn chars")
    assert "/ 50 blocks" in meters[1]
    line_meters = texts(tree.css(".cell.line")[1], ".meter-text")
    assert line_meters[0].endswith("/ 5,000 UTF-16 units")


async def test_a_deliberate_drop_is_a_note_where_it_was_not_a_problem(
    console: ConsoleHarness,
) -> None:
    tree = dom((await console.page("/issues/1")).text)
    assert tree.css_first("section.summary.bad") is None
    summary = tree.css_first("section.summary.good")
    assert "No problems." in summary.text()
    dropped = summary.css_first(".dropped-notes")
    assert "line 44: dropped trailing boilerplate 'コメント'" in dropped.text()
    assert dropped.css_first("a").attributes["href"] == "#s-3"
    afterword = tree.css_first("#s-3")
    assert afterword.css_first(".note.problem") is None
    note = afterword.css_first(".note.dropped")
    assert note is not None
    assert note.css_first(".source").text() == "コメント"  # type: ignore[union-attr]
    assert "line 44" in note.text()


async def test_unrecognised_section_is_shown_in_red_at_its_heading(
    console: ConsoleHarness,
) -> None:
    await console.ingest(
        "2025-10-11.md",
        "## トピック\n\n### 見出し\n\n本文です。\n\n"
        "## 求人情報\n\n### エンジニア募集\n\n詳細は後日。\n",
    )
    tree = dom((await console.page("/issues/2")).text)
    unknown = tree.css_first(".cell.structure.unknown")
    assert unknown is not None
    assert "not in the profile" in unknown.css_first(".badge.bad").text()  # type: ignore[union-attr]
    assert "“求人情報” is not a section of the newsletter profile" in unknown.text()
    # The parser's warning about the heading sits there too, with its line.
    assert "heading '求人情報' is not a section of the profile" in unknown.text()
    assert "line 7" in unknown.text()
    assert "problem" in tree.css_first("section.summary.bad h2").text()  # type: ignore[union-attr]
    index = dom((await console.page("/")).text)
    badge = index.css_first("table.issues .badge.bad")
    assert words(badge) == "1 unknown section"
    assert "求人情報" in badge.attributes["title"]  # type: ignore[operator, union-attr]


async def test_newsletter_text_is_escaped_everywhere(console: ConsoleHarness) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    await console.ingest(
        "2025-10-11.txt",
        f"トピック\n見出し {evil}\n本文 {evil} と **太字** です。\n編集後記\nおわり\n",
    )
    await console.ingest("2025-10-18.md", "## トピック\n\n[リンク](javascript:alert(1)) です。\n")
    assert 'href="javascript:' not in (await console.page("/issues/3")).text
    response = await console.page("/issues/2")
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert "&lt;script&gt;" in response.text
    assert 'href="javascript:' not in response.text
    chat = await console.page("/try?text=" + "<b>hi</b>")
    assert "<b>hi</b>" not in chat.text
    assert html.escape("<b>hi</b>", quote=False) in chat.text


async def test_unknown_issue_is_a_404_page(console: ConsoleHarness) -> None:
    response = await console.page("/issues/99")
    assert response.status_code == 404
    assert "There is no issue #99." in response.text


async def test_pages_carry_security_headers_and_styles_load(console: ConsoleHarness) -> None:
    response = await console.page("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    css = re.search(r'href="(/static/console/console\.css\?v=\w+)"', response.text)
    assert css
    sheet = await console.http.get(css.group(1))
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("text/css")
    assert "Noto Sans CJK JP" in sheet.text


async def test_liveness_stays_open_and_metrics_need_the_token(
    guarded_console: ConsoleHarness,
) -> None:
    assert (await guarded_console.http.get("/healthz")).status_code == 200
    assert (await guarded_console.http.get("/metrics")).status_code == 401
    bearer = {"authorization": f"Bearer {TOKEN}"}
    assert (await guarded_console.http.get("/metrics", headers=bearer)).status_code == 200


async def test_a_page_that_fails_says_so_and_logs_why(
    console: ConsoleHarness, caplog: pytest.LogCaptureFixture
) -> None:
    async with console.services.db.transaction() as session:
        await session.execute(text("DROP TABLE issue_revisions"))
    response = await console.page("/issues/1")
    assert response.status_code == 500
    assert "This page could not be drawn" in response.text
    assert "issue_revisions" not in response.text  # no internals shown to the browser
    assert "console: GET /issues/1 failed" in caplog.text
