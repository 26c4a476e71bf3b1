"""An editor holding issues back from the command line: drafts, copies, removed files,
`haishin unschedule` and `reschedule`; and commands that find no database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bots.cli import app
from tests.conftest import CONTENT, SAMPLE

runner = CliRunner()
UPCOMING = "---\npublish_at: 2099-01-03T07:00:00+09:00\n---\nトピック\n🚀 来年の話\n本文です。\n"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    (content / "issues" / "2099-01-03.txt").write_text(UPCOMING, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return {
        "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(content),
        "SLACK_SIGNING_SECRET": "",
        "SLACK_BOT_TOKEN": "",
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
        "COLUMNS": "200",
    }


def haishin(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def said(result: Result) -> str:
    return " ".join(result.output.split())


def row(listing: Result, number: int) -> str:
    return next(line for line in listing.output.splitlines() if f"│ {number} " in line)


def test_unschedule_holds_an_issue_and_reschedule_puts_it_back(env: dict[str, str]) -> None:
    assert haishin(env, "ingest").exit_code == 0
    assert "at 2099-01-03 07:00 JST" in row(haishin(env, "issues"), 2)

    cancelled = haishin(env, "unschedule", "2")
    assert cancelled.exit_code == 0, cancelled.output
    assert "issue #2 is cancelled" in said(cancelled)
    assert "cancelled" in row(haishin(env, "issues"), 2)

    again = haishin(env, "reschedule", "2")
    assert again.exit_code == 0, again.output
    assert "back on schedule: it goes out 2099-01-03 07:00 JST" in said(again)
    assert "at 2099-01-03 07:00 JST" in row(haishin(env, "issues"), 2)


def test_what_was_published_cannot_be_unscheduled(env: dict[str, str]) -> None:
    assert haishin(env, "ingest").exit_code == 0
    assert haishin(env, "publish", "1").exit_code == 0
    refused = haishin(env, "unschedule", "1")
    assert refused.exit_code == 1
    assert "issue #1 was published" in said(refused) and "can't be cancelled" in said(refused)
    assert "not cancelled" in said(haishin(env, "reschedule", "2"))
    assert "no issue number 99" in said(haishin(env, "unschedule", "99"))


def test_ingest_shows_drafts_copies_and_files_that_went_away(
    env: dict[str, str], tmp_path: Path
) -> None:
    issues = tmp_path / "content" / "issues"
    (issues / "draft-notes.txt").write_text("トピック\n🚀 書きかけ\n下書き。\n", encoding="utf-8")
    assert haishin(env, "ingest").exit_code == 0
    shutil.copy(SAMPLE, issues / "2025-10-04 (1).txt")
    (issues / "2099-01-03.txt").unlink()

    result = haishin(env, "ingest")

    assert result.exit_code == 0, result.output
    text = said(result)
    assert "a byte-identical copy of issues/2025-10-04.txt (issue 1); not stored" in text
    assert "draft: no date in its name or front matter" in text
    assert "held: issue 2: its file issues/2099-01-03.txt is gone" in text
    listing = haishin(env, "issues")
    assert "held: file removed" in row(listing, 2)
    assert "draft: no date" in row(listing, 3)
    assert "│ 4 " not in listing.output


@pytest.mark.parametrize(
    "args", [("issues",), ("show", "latest"), ("publish", "1"), ("subscriptions",), ("schedule",)]
)
def test_commands_other_than_ingest_refuse_to_make_a_new_empty_database(
    env: dict[str, str], tmp_path: Path, args: tuple[str, ...]
) -> None:
    env = {**env, "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'typo.db'}"}
    result = haishin(env, *args)
    assert result.exit_code == 1
    assert f"no database at {tmp_path / 'typo.db'}; run `haishin ingest` or `haishin serve`" in (
        said(result)
    )
    assert not (tmp_path / "typo.db").exists()
    assert haishin(env, "ingest").exit_code == 0
    assert (tmp_path / "typo.db").exists()
