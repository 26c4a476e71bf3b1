"""The chat box: text and button presses through the command engine, drawn per platform."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.bots.console.conftest import ConsoleHarness

FRAGMENT = {"X-Haishin-Fragment": "1"}


def words(node: object) -> str:
    return " ".join(node.text(separator=" ").split())  # type: ignore[attr-defined]


async def test_typed_text_answers_with_the_topic_on_slack(console: ConsoleHarness) -> None:
    response = await console.post("/try", {"platform": "slack", "text": "最新トピック"})
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    answer = tree.css_first(".exchange.slack")
    assert words(answer.css_first(".sk-msg.you .sk-text")) == "最新トピック"  # type: ignore[union-attr]
    bot = answer.css(".sk-msg:not(.you)")  # type: ignore[union-attr]
    assert bot[0].css_first(".sk-header").text(strip=True) == "トピック"  # type: ignore[union-attr]
    assert "CoreWeave、Metaとの巨額契約で株価急騰" in words(bot[0])
    # The other sections are buttons that send their command back, as in Slack.
    buttons = {b.text(strip=True): b.attributes["value"] for b in answer.css("button.sk-btn")}  # type: ignore[union-attr]
    assert buttons["気になった記事"] == "ja|issue 1 articles"
    assert "understood as section" in words(answer.css_first(".intent"))  # type: ignore[union-attr]


async def test_pressing_a_slack_button_runs_its_command(console: ConsoleHarness) -> None:
    response = await console.post(
        "/try",
        {"platform": "slack", "button": "ja|issue 1 articles", "label": "気になった記事"},
        headers=FRAGMENT,
    )
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    assert tree.css_first("html") is None or tree.css_first("header.topbar") is None
    assert "You pressed 気になった記事" in words(tree.css_first(".sk-pressed"))
    assert "トランプ×ファイザー" in words(tree.css_first(".sk-msg"))


async def test_line_answers_with_bubbles_and_working_quick_replies(console: ConsoleHarness) -> None:
    response = await console.post(
        "/try", {"platform": "line", "text": "最新トピック"}, headers=FRAGMENT
    )
    tree = HTMLParser(response.text)
    assert words(tree.css_first(".ln-bubble.you")) == "最新トピック"
    bubbles = [b.text() for b in tree.css(".ln-bubble:not(.you)")]
    assert bubbles[0].startswith("【トピック】 1/2\n🚀 CoreWeave")
    chips = {c.text(strip=True): c.attributes["value"] for c in tree.css(".ln-quick button")}
    assert chips["小ネタ"] == "cmd:ja:issue 1 shorts"
    pressed = await console.post(
        "/try",
        {"platform": "line", "button": chips["小ネタ"], "label": "小ネタ"},
        headers=FRAGMENT,
    )
    tree = HTMLParser(pressed.text)
    assert words(tree.css_first(".ln-bubble.you")) == "小ネタ"
    assert "映画関税にチームスターズが支持表明" in words(tree)


async def test_digest_on_line_is_a_carousel(console: ConsoleHarness) -> None:
    response = await console.post("/try", {"platform": "line", "text": "最新号"}, headers=FRAGMENT)
    tree = HTMLParser(response.text)
    assert len(tree.css(".ln-carousel .fx-bubble")) == 4
    assert [b.text(strip=True) for b in tree.css(".fx-button")] == ["読む"] * 4


async def test_a_link_from_an_issue_page_answers_without_a_form(console: ConsoleHarness) -> None:
    issue = HTMLParser((await console.page("/issues/1")).text)
    link = issue.css_first("#digest-line .fx-button").attributes["href"]  # type: ignore[union-attr]
    query = parse_qs(urlsplit(link).query)
    assert query == {"platform": ["line"], "button": ["cmd:ja:issue 1 topic"]}
    response = await console.page(link)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert "【トピック】 1/2" in response.text


async def test_empty_message_and_unknown_words_are_answered_kindly(
    console: ConsoleHarness,
) -> None:
    empty = await console.post("/try", {"platform": "slack", "text": "   "}, headers=FRAGMENT)
    assert "Type a message first" in empty.text
    unknown = await console.post("/try", {"platform": "slack", "text": "編集後"}, headers=FRAGMENT)
    assert "understood as unknown" in words(HTMLParser(unknown.text))
    assert "編集後記" in unknown.text  # "did you mean"


async def test_scheduled_issues_stay_hidden_from_the_bot(console: ConsoleHarness) -> None:
    sample = (console.content / "issues" / "2025-10-04.txt").read_text(encoding="utf-8")
    await console.ingest("2025-10-11.txt", sample.replace("CoreWeave", "Lambda"))
    response = await console.post("/try", {"platform": "slack", "text": "最新トピック"})
    assert "CoreWeave" in response.text
    assert "Lambda、Meta" not in response.text


async def test_chat_without_its_csrf_token_is_refused(console: ConsoleHarness) -> None:
    await console.csrf()  # the browser has its cookie, but the form lacks the token
    missing = await console.http.post("/try", data={"platform": "slack", "text": "最新"})
    assert missing.status_code == 403
    assert "Form expired" in missing.text
    forged = await console.http.post(
        "/try", data={"platform": "slack", "text": "最新", "csrf": "0" * 64}
    )
    assert forged.status_code == 403


async def test_token_of_another_browser_is_refused(console: ConsoleHarness) -> None:
    token = await console.csrf()
    console.http.cookies.clear()
    await console.csrf()  # a new cookie: the old token belongs to someone else
    response = await console.http.post("/try", data={"csrf": token, "text": "最新"})
    assert response.status_code == 403


async def test_post_from_another_site_is_refused(console: ConsoleHarness) -> None:
    token = await console.csrf()
    response = await console.http.post(
        "/try",
        data={"csrf": token, "text": "最新"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    same = await console.http.post(
        "/try", data={"csrf": token, "text": "最新"}, headers={"Origin": "http://127.0.0.1:8000"}
    )
    assert same.status_code == 200


async def test_next_continues_this_browsers_conversation(console: ConsoleHarness) -> None:
    lines = (console.content / "issues" / "2025-10-04.txt").read_text(encoding="utf-8").split("\n")
    extra = [f"第{n}の論点。" + "計算資源と電力の調達を同時に迫ります。" * 40 for n in range(1, 15)]
    await console.ingest("2025-09-27.txt", "\n".join(lines[:3] + extra + lines[3:]))
    first = HTMLParser(
        (await console.post("/try", {"text": "issue 2 topic"}, headers=FRAGMENT)).text
    )
    more = first.css_first("button.sk-btn.primary")
    # Three posts a page, as the Slack bot pages.
    assert more is not None and more.attributes["value"].endswith("issue 2 topic p4")  # type: ignore[union-attr]
    typed = HTMLParser((await console.post("/try", {"text": "次へ"}, headers=FRAGMENT)).text)
    assert "understood as section" in words(typed)
    assert "4–" in words(typed.css_first(".sk-context"))
    # Another browser has no conversation to continue.
    console.http.cookies.clear()
    other = await console.post("/try", {"text": "次へ"}, headers=FRAGMENT)
    assert "understood as next" in words(HTMLParser(other.text))
