"""Text that is not text is refused (issue 15, item 12), and every real newsletter is text."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from core.errors import ContentError
from core.parsing import parse_issue
from core.parsing.junk import refuse_junk
from core.profile import Profile
from tests.conftest import CONTENT, SAMPLE
from tests.newsletter_samples import all_sample_files


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE], ids=["be", "le"])
def test_a_utf8_issue_behind_a_utf16_bom_is_refused_as_not_text(bom: bytes) -> None:
    # The sample issue, UTF-8, with a UTF-16 byte order mark in front: it decodes, into
    # private-use and unassigned characters and CJK that spell nothing.
    with pytest.raises(ContentError) as caught:
        parse_issue(bom + SAMPLE.read_bytes(), name="2025-10-04.txt", profile=Profile.default())
    message = str(caught.value)
    assert message.startswith("2025-10-04.txt: is not text: ")
    assert "private-use" in message and "UTF-8" in message


def test_a_binary_behind_a_utf16_bom_is_refused() -> None:
    # The head of a real executable (this Python's), a byte order mark in front.
    head = Path(sys.executable).resolve().read_bytes()[:4096]
    with pytest.raises(ContentError) as caught:
        parse_issue(codecs.BOM_UTF16_LE + head, name="junk.md", profile=Profile.default())
    assert str(caught.value).startswith("junk.md: ")


@pytest.mark.parametrize(
    "path", [SAMPLE, *(path for _, path in all_sample_files())], ids=lambda p: p.name
)
def test_real_newsletters_are_text(path: Path) -> None:
    refuse_junk(path.read_text(encoding="utf-8-sig"), name=path.name)


def test_a_stray_replacement_character_is_still_text() -> None:
    text = "本文です。" * 20 + "\ufffd" + "\ue000"
    refuse_junk(text, name="x.md")  # two odd characters in a hundred do not make junk


def test_ingest_stores_the_good_file_and_refuses_the_junk_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    issues = content / "issues"
    issues.mkdir(parents=True)
    (content / "newsletter.toml").write_bytes((CONTENT / "newsletter.toml").read_bytes())
    (issues / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    (issues / "2025-10-11.txt").write_bytes(codecs.BOM_UTF16_BE + SAMPLE.read_bytes())
    monkeypatch.chdir(tmp_path)
    env = {
        "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(content),
        "COLUMNS": "200",
    }
    runner = CliRunner()
    ingest = runner.invoke(app, ["ingest"], env=env)
    assert ingest.exit_code == 1
    assert "2025-10-11.txt: is not text" in " ".join(ingest.output.split())
    listed = runner.invoke(app, ["issues"], env=env)
    assert listed.exit_code == 0
    assert "2025-10-04" in listed.output and "2025-10-11" not in listed.output
