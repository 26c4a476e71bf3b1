"""What the CLI prints, run as a person runs it (issue 16): wrapped only for a terminal, at
phrases and words, never a line starting with 。 or 、, identifiers whole in every table,
text never eaten as Rich markup, and a known error as its one line with status 1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from bots.cli.wrap import NO_LINE_START, wrap
from core.parsing import load_issue
from core.plaintext import format_issue
from core.profile import load_profile
from tests.bots.cli.process import CODE, Run, haishin, haishin_tty, sandbox
from tests.conftest import CONTENT, SAMPLE

TARGET = "slack:T0123456789/C0123456789ABCDEFG"
_LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.%-]*")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("cli")
    env = sandbox(root)
    assert haishin(env, "ingest", cwd=root).status == 0
    added = haishin(env, "subscriptions", "add", "--to", TARGET, cwd=root)
    assert added.status == 0, added.err
    return root, env


def sample_text() -> str:
    issue = load_issue(SAMPLE, load_profile(CONTENT / "newsletter.toml"))
    return format_issue(issue, [])


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_wrapped(lines: list[str], width: int, source: str) -> None:
    """Lines fit, none starts with a stop or comma, and no Latin word was cut."""
    words = set(_LATIN.findall(source)) | {"1", "2"}  # and part counters (1/2)
    for line in lines:
        assert line.lstrip()[:1] not in ("。", "、"), line
        assert set(_LATIN.findall(line)) <= words, line
        if " " not in line.strip() or line.isascii():
            continue  # one unbreakable word (a URL) may be wider than the terminal
        assert cell_len(line) <= width + 4, line  # + hanging marks (、 ー)


def test_show_into_a_pipe_is_not_wrapped_at_all(home: tuple[Path, dict[str, str]]) -> None:
    root, env = home
    shown = haishin(env, "show", "latest", cwd=root)
    assert shown.status == 0, shown.err
    # the same text as the file gives, line for line (the stored issue adds its number)
    assert shown.out.split("\n", 1)[1] == sample_text().split("\n", 1)[1]
    assert "事業モデル:Nvidia GPUを大量搭載したデータセンターを構築し" in shown.out


def test_show_in_a_terminal_wraps_at_phrases_and_words(home: tuple[Path, dict[str, str]]) -> None:
    root, env = home
    shown = haishin_tty(env, "show", "latest", "topic", cwd=root, columns=44)
    assert shown.status == 0, shown.out
    lines = shown.out.splitlines()
    assert max(cell_len(line) for line in lines) > 30  # it was wrapped to the width, not less
    check_wrapped(lines, 42, sample_text())
    assert squeezed(shown.out) in squeezed(sample_text())


def test_ask_in_a_terminal_fits_its_boxes_without_breaking_words(
    home: tuple[Path, dict[str, str]],
) -> None:
    root, env = home
    asked = haishin_tty(env, "ask", "latest topic", "--platform", "line", cwd=root, columns=50)
    assert asked.status == 0, asked.out
    inside = [line.strip("│ ") for line in asked.out.splitlines() if line.startswith("│")]
    assert len(inside) > 20
    check_wrapped(inside, 44, sample_text())
    assert "Nvidia GPU" in asked.out or any(line.endswith("Nvidia") for line in inside)


def test_ask_into_a_pipe_has_no_boxes_and_whole_lines(home: tuple[Path, dict[str, str]]) -> None:
    root, env = home
    asked = haishin(env, "ask", "latest topic", "--platform", "line", cwd=root)
    assert asked.status == 0, asked.err
    assert "│" not in asked.out
    assert "・事業モデル:Nvidia GPUを大量搭載したデータセンターを構築し、" in asked.out


@pytest.mark.parametrize("tty", [False, True])
def test_a_target_is_never_cut_in_a_table(home: tuple[Path, dict[str, str]], tty: bool) -> None:
    root, env = home
    for command in (("subscriptions",), ("schedule",)):
        listed = (
            haishin_tty(env, *command, cwd=root, columns=60)
            if tty
            else haishin(env, *command, cwd=root)
        )
        assert listed.status == 0, listed.out + listed.err
        assert TARGET in listed.out, listed.out


def test_text_in_square_brackets_is_printed_not_taken_for_markup(
    home: tuple[Path, dict[str, str]],
) -> None:
    root, env = home
    feeds = haishin(env, "feeds", cwd=root)
    assert "Add a [feed] table" in feeds.out
    refused = haishin(env, "ingest", "--feed", cwd=root)
    assert refused.status == 1 and "add a [feed] table" in refused.said


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ({"HAISHIN_CONTENT_DIR": "nowhere"}, "no newsletter profile here"),
        ({"HAISHIN_LOG_FORMAT": "xml"}, "HAISHIN_LOG_FORMAT: Input should be 'plain' or 'json'"),
        (
            {"HAISHIN_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            "can't use the database",
        ),
    ],
)
def test_a_known_error_is_one_line_and_status_1(
    home: tuple[Path, dict[str, str]], setting: dict[str, str], says: str
) -> None:
    root, env = home
    for command in (("issues",), ("serve", "--port", "1")):
        failed = haishin({**env, **setting}, *command, cwd=root)
        assert failed.status == 1, failed.err
        assert failed.out == ""
        assert failed.err.startswith("error: ") and says in failed.said
        assert len(failed.err.strip().splitlines()) == 1, failed.err
        assert "Traceback" not in failed.err and "╭" not in failed.err


def test_a_profile_with_several_mistakes_says_each_on_its_own_error_line(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    profile = Path(env["HAISHIN_CONTENT_DIR"]) / "newsletter.toml"
    text = profile.read_text(encoding="utf-8")
    text = text.replace('timezone = "Asia/Tokyo"', 'timezone = "Asia/Tokio"')
    feed = '\n[feed]\nurl = "https://a.example/rss"\nintervall = "1h"\n'
    profile.write_text(text + feed, encoding="utf-8")
    failed = haishin(env, "ingest", cwd=tmp_path)
    assert failed.status == 1 and failed.out == ""
    lines = failed.err.strip().splitlines()
    assert [line.split(": ")[:2] for line in lines] == [["error", str(profile)]] * 2, lines
    assert "timezone 'Asia/Tokio'" in lines[0] and "(did you mean 'Asia/Tokyo'?)" in lines[0]
    assert "[feed]: unknown key(s) ['intervall'] (did you mean 'interval'?)" in lines[1]


def test_an_unexpected_error_still_shows_its_traceback(
    home: tuple[Path, dict[str, str]],
) -> None:
    root, env = home
    import subprocess
    import sys

    from tests.bots.cli.process import _environ

    broken = (
        "import core.plaintext as c\n"
        "def boom(*args, **kwargs):\n"
        "    raise RuntimeError('a bug of ours')\n"
        "c.format_issue = boom\n" + CODE
    )
    done = subprocess.run(
        [sys.executable, "-c", broken, "show", "latest"],
        cwd=root,
        env=_environ(env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    failed = Run(done.returncode, done.stdout, done.stderr)
    assert failed.status == 1
    assert "RuntimeError" in failed.err and "a bug of ours" in failed.err
    assert "Traceback" in failed.err or "╭" in failed.err


@pytest.mark.parametrize("width", [12, 20, 33, 60])
def test_wrap_keeps_every_character_and_the_line_start_rule(width: int) -> None:
    text = sample_text()
    wrapped = wrap(text, width)
    assert squeezed(wrapped) == squeezed(text)
    check_wrapped(wrapped.splitlines(), width, text)
    assert all(line.lstrip()[:1] not in NO_LINE_START for line in wrapped.splitlines() if line)
