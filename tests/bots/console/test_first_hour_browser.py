"""A new editor's first hour with the console, in headless Chromium against ``haishin serve``
(issue 16): what they type is what is sent, Japanese reads without CJK system fonts, and the
pages say plainly what is a problem and what is only a note.

Skips like ``test_browser.py`` where Chromium or Playwright is missing, unless
``HAISHIN_TEST_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bots.console.test_browser import (  # noqa: F401 - a fixture used by name
    CHROMIUM,
    CHROMIUM_ARGS,
    HAISHIN,
    UI_TIMEOUT,
    browser_ready,
    running_serve,
    serve_env,
)

pytestmark = pytest.mark.browser
LATIN_ONLY_FONTS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")


@pytest.fixture(scope="module")
def served(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    """``haishin serve`` with Slack and LINE off and a LINE subscription; its base URL."""
    work = tmp_path_factory.mktemp("serve")
    env = serve_env(work)
    for step in (["ingest"], ["subscriptions", "add", "--to", "line:all"]):
        subprocess.run([*HAISHIN, *step], cwd=work, env=env, check=True, capture_output=True)
    with running_serve(work, env) as base:
        yield base


@pytest.fixture(scope="module")
def playwright(browser_ready: None) -> Iterator[Any]:  # noqa: F811 - the imported fixture
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


def _page(browser: Any) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(UI_TIMEOUT)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _say(page: Any, placeholder: str, text: str) -> Any:
    """Type a message and press Enter, as a reader would; the new turn."""
    before = page.locator(".exchange").count()
    page.get_by_placeholder(placeholder).fill(text)
    page.get_by_placeholder(placeholder).press("Enter")
    from playwright.sync_api import expect

    expect(page.locator(".exchange")).to_have_count(before + 1)
    return page.locator(".exchange").last


@pytest.mark.parametrize(
    ("platform", "placeholder", "mine"),
    [
        ("slack", "Message haishin", ".sk-msg.you .sk-text"),
        ("line", "メッセージを入力", ".ln-bubble.you"),
    ],
)
def test_enter_sends_the_typed_text_from_the_second_message_on(
    served: str,
    browser: Any,
    platform: str,
    placeholder: str,
    mine: str,
) -> None:
    from playwright.sync_api import expect

    page, errors = _page(browser)
    page.goto(f"{served}/try?platform={platform}", wait_until="domcontentloaded")
    first = _say(page, placeholder, "最新号")
    # The answer has buttons (Slack) or a carousel and quick replies (LINE) before "Send".
    expect(first.locator("button").first).to_be_visible()
    for typed, expected in (("編集後記", "編集後記"), ("小ネタ", "映画関税にチームスターズ")):
        turn = _say(page, placeholder, typed)
        expect(turn.locator(mine)).to_have_text(typed)
        expect(turn.locator(".sk-pressed")).to_have_count(0)  # no button was pressed
        expect(turn).to_contain_text(expected)
        expect(page.get_by_placeholder(placeholder)).to_have_value("")
    # A button still answers with its own command.
    page.locator(".exchange").last.locator("button[name=button]").first.click()
    expect(page.locator(".exchange")).to_have_count(4)
    page.close()
    assert errors == [], errors


_GLYPHS = """async (family) => {
  await document.fonts.ready;
  await document.fonts.load(`40px ${family}`, "日本語");
  const draw = (font, char) => {
    const canvas = document.createElement("canvas");
    canvas.width = 60;
    canvas.height = 60;
    const pen = canvas.getContext("2d");
    pen.font = `40px ${font}`;
    pen.fillText(char, 5, 45);
    return canvas.toDataURL();
  };
  const chars = ["日", "本", "語"];
  return {
    page: chars.map((c) => draw(family, c)),
    bare: chars.map((c) => draw("sans-serif", c)),
    width: (() => {
      const pen = document.createElement("canvas").getContext("2d");
      pen.font = `40px ${family}`;
      return pen.measureText("日本語").width;
    })(),
  };
}"""


def test_japanese_reads_without_cjk_system_fonts(
    served: str,
    playwright: Any,
    tmp_path: Path,
) -> None:
    """Chromium sees only DejaVu and Liberation (as on a fresh Debian server): the console's
    own web font draws the Japanese, where the system's sans-serif has only blank boxes."""
    config = tmp_path / "fonts.conf"
    dirs = "".join(f"<dir>{d}</dir>" for d in LATIN_ONLY_FONTS if Path(d).is_dir())
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig>{dirs}<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env
    )
    try:
        page, errors = _page(chromium)
        fetched: list[str] = []
        page.on(
            "response",
            lambda r: (
                fetched.append(r.url.split("?")[0].rsplit("/", 1)[-1])
                if r.ok and ".woff2" in r.url
                else None
            ),
        )
        page.goto(f"{served}/issues/1")
        family = page.evaluate("getComputedStyle(document.body).fontFamily")
        drawn = page.evaluate(_GLYPHS, family)
        page.close()
    finally:
        chromium.close()
    # The browser has no Japanese of its own here: every character is the same box.
    assert len(set(drawn["bare"])) == 1, "a CJK system font is visible; the test proves nothing"
    # The console's font draws three different characters, each a full em wide.
    assert len(set(drawn["page"])) == 3
    assert drawn["width"] == pytest.approx(120, abs=2)
    assert "noto-sans-jp-kanji1.woff2" in fetched
    assert errors == [], errors


def test_a_deliberate_drop_is_a_note_and_line_keeps_paragraphs(
    served: str,
    browser: Any,
) -> None:
    from playwright.sync_api import expect

    page, errors = _page(browser)
    page.goto(f"{served}/issues/1")
    # The profile's drop_trailing of 「コメント」 is said, quietly: no red banner.
    expect(page.locator(".summary.bad")).to_have_count(0)
    expect(page.locator(".summary.good")).to_contain_text("No problems.")
    expect(page.locator(".summary .dropped-notes")).to_contain_text("コメント")
    note = page.locator("#s-3 .note.dropped")
    expect(note).to_be_visible()
    expect(page.locator(".note.problem")).to_have_count(0)
    background = note.evaluate("n => getComputedStyle(n).backgroundColor")
    bad = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--bad-bg').trim()"
    )
    assert background != "rgb(253, 236, 238)" and bad == "#fdecee"
    # LINE's second part of the topic: a blank line between paragraphs, as in Slack.
    second = page.locator(".cell.line").nth(1).locator(".ln-bubble").nth(1)
    expect(second).to_contain_text("【トピック】 2/2")
    text = second.inner_text()
    assert "意味を持ちます。\n\nまず、AIの覇権争い" in text, text
    page.close()
    assert errors == [], errors


def test_search_results_one_a_paragraph_with_the_words_found_in_bold(
    served: str,
    browser: Any,
) -> None:
    from playwright.sync_api import expect

    page, errors = _page(browser)
    page.goto(f"{served}/try?platform=slack", wait_until="domcontentloaded")
    answer = _say(page, "Message haishin", "検索 AI")
    text = answer.locator(".sk-msg").last.locator(".sk-text").first
    expect(text.locator("b").first).to_have_text("AI")
    results = text.inner_text().split("\n\n")
    assert results[0].startswith("「AI」の検索結果 (3件)")
    assert [r.split(" ")[0] for r in results[1:]] == ["第1号"] * 3, results
    assert all("\n" not in r for r in results[1:]), results
    # What a reader types is text, never markup.
    hostile = _say(page, "Message haishin", '検索 <img src=x onerror="alert(1)"> AI')
    expect(hostile.locator("img")).to_have_count(0)
    expect(hostile).to_contain_text('<img src=x onerror="alert(1)">')
    # LINE can't style text, but keeps a result a paragraph.
    page.goto(f"{served}/try?platform=line", wait_until="domcontentloaded")
    bubble = _say(page, "メッセージを入力", "検索 AI").locator(".ln-bubble").last
    assert len(bubble.inner_text().split("\n\n")) == 4
    page.close()
    assert errors == [], errors


@pytest.mark.parametrize(("platform", "placeholder"), [("line", "メッセージを入力")])
def test_a_message_too_long_for_the_platform_is_refused_saying_the_limit(
    served: str,
    browser: Any,
    platform: str,
    placeholder: str,
) -> None:
    from playwright.sync_api import expect

    page, errors = _page(browser)
    page.goto(f"{served}/try?platform={platform}", wait_until="domcontentloaded")
    box = page.get_by_placeholder(placeholder)
    # Longer than the old silent cut at 1,000, within LINE's 5,000: answered whole.
    long_search = "検索 " + "AI " * 600
    box.fill(long_search)
    assert box.input_value() == long_search  # nothing cut in the box
    box.press("Enter")
    expect(page.locator(".exchange")).to_have_count(1)
    expect(page.locator(".exchange .chat-error")).to_have_count(0)
    expect(page.locator(".exchange").last).to_contain_text("検索結果")
    # Over LINE's limit: refused, saying it, and the text stays to be shortened.
    too_long = "あ" * 5_001
    box.fill(too_long)
    box.press("Enter")
    expect(page.locator(".exchange")).to_have_count(2)
    refused = page.locator(".exchange").last.locator(".chat-error")
    expect(refused).to_contain_text("Not sent: that is 5,001 characters")
    expect(refused).to_contain_text("at most 5,000")
    assert box.input_value() == too_long
    page.close()
    assert errors == [], errors


def test_subscriptions_say_when_their_platform_is_off(served: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page, errors = _page(browser)
    page.goto(f"{served}/deliveries")
    hint = page.locator(".hint.platform-off")
    expect(hint).to_contain_text("LINE is off")
    expect(hint).to_contain_text("LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN")
    row = page.locator("table tr", has_text="line:all")
    expect(row.locator(".badge")).to_have_text("active · line off")
    page.close()
    assert errors == [], errors
