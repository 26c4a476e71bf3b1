"""End to end in a real browser: headless Chromium (Debian's package) driven by Playwright,
against a real ``haishin serve`` on a free loopback port.

Skips, saying why, where Chromium or Playwright is missing, unless
``HAISHIN_TEST_REQUIRE_BROWSER=1`` (CI), where their absence fails. With
``HAISHIN_CONSOLE_SCREENSHOT=docs/console.png`` the README's screenshot is taken too.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CONTENT, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 120.0  # seconds: a cold start imports every SDK and migrates the database
UI_TIMEOUT = 30_000  # milliseconds for one browser step

pytestmark = pytest.mark.browser


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (uv sync)"
    return None


@pytest.fixture(scope="module")
def browser_ready() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("HAISHIN_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"HAISHIN_TEST_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(work: Path) -> dict[str, str]:
    """The environment of a console test's ``haishin serve``: no developer's settings, the
    repository's content, a database in ``work``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HAISHIN_", "SLACK_", "LINE_"))
    }
    return env | {
        "HAISHIN_DATABASE_URL": f"sqlite:///{work / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(CONTENT),
        "PYTHONPATH": str(ROOT),
    }


@contextlib.contextmanager
def running_serve(work: Path, env: dict[str, str]) -> Iterator[str]:
    """``haishin serve`` in its own process, run from ``work`` (so no developer's .env is
    read) until the block ends; its base URL once it is up."""
    port = _free_port()
    log = (work / "serve.log").open("wb")
    process = subprocess.Popen(
        [*HAISHIN, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, work / "serve.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


HAISHIN = [sys.executable, "-c", "from bots.cli import main; main()"]


@pytest.fixture(scope="module")
def served(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``haishin serve`` in its own process, with the repository's content; its base URL."""
    work = tmp_path_factory.mktemp("serve")
    with running_serve(work, serve_env(work)) as base:
        yield base


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"haishin serve exited ({process.returncode}):\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(f"{base}/healthz", timeout=1.0)
            # The first content scan runs after serve listens: wait until it is done.
            if answer.status_code == 200 and answer.json().get("content", "ok") == "ok":
                return
        time.sleep(0.2)  # polling a subprocess's start, not waiting on time itself
    pytest.fail(f"haishin serve did not answer within {START_TIMEOUT:.0f} s:\n{log.read_text()}")


def test_issue_page_and_chat_box_in_chromium(served: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(UI_TIMEOUT)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            # The list: the sample issue, opened by its title.
            page.goto(served + "/")
            page.get_by_role("link", name="🚀 CoreWeave、Metaとの巨額契約で株価急騰").click()
            expect(page).to_have_url(served + "/issues/1")

            # Four sections, each beside its Slack and LINE posts.
            sections = page.locator(".cell.structure[id^='s-']")
            expect(sections).to_have_count(4)
            for index, title in enumerate(["トピック", "気になった記事", "小ネタ2本", "編集後記"]):
                expect(sections.nth(index).locator(".sec-title")).to_contain_text(title)
                slack = page.locator(".cell.slack").nth(index + 1)
                line = page.locator(".cell.line").nth(index + 1)
                expect(slack.locator(".sk-msg").first).to_be_visible()
                expect(line.locator(".ln-bubble").first).to_be_visible()
            expect(page.locator(".cell.line .ln-bubble").first).to_contain_text("【トピック】 1/2")
            expect(page.locator("#digest-line .fx-bubble")).to_have_count(4)
            expect(page.locator("li.cut.slack")).to_contain_text("Slack part 2/2 starts here")
            screenshot = os.environ.get("HAISHIN_CONSOLE_SCREENSHOT")
            if screenshot:
                page.evaluate("document.fonts.ready")
                page.screenshot(path=str(ROOT / screenshot))

            # The chat box: type, see the topic; press a button, see its section.
            page.goto(served + "/try", wait_until="domcontentloaded")
            page.get_by_placeholder("Message haishin").fill("最新トピック")
            page.keyboard.press("Enter")
            answer = page.locator(".exchange").last
            expect(answer).to_contain_text("CoreWeave、Metaとの巨額契約で株価急騰")
            expect(answer.locator(".sk-header").first).to_have_text("トピック")
            answer.get_by_role("button", name="気になった記事").click()
            expect(page.locator(".exchange")).to_have_count(2)
            expect(page.locator(".exchange").last).to_contain_text("トランプ×ファイザー")

            # LINE: the digest as a carousel; a quick reply sends its command.
            page.get_by_role("tab", name="LINE").click()
            page.get_by_placeholder("メッセージを入力").fill("最新号")
            page.keyboard.press("Enter")
            expect(page.locator(".exchange .fx-bubble")).to_have_count(4)
            page.locator(".ln-quick").get_by_role("button", name="小ネタ").click()
            expect(page.locator(".exchange").last).to_contain_text("映画関税にチームスターズ")
            expect(page.locator(".ln-quick")).to_have_count(1)  # only the newest stay

            assert errors == [], errors  # no script error, nothing blocked by the CSP
        finally:
            browser.close()
