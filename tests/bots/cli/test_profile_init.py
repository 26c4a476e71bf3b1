"""``haishin profile init FILE...`` (issue 15): a draft newsletter.toml an editor then edits."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bots.cli import app
from core.model import NoteKind
from core.parsing import load_issue
from core.profile import load_profile, parse_profile
from tests.newsletter_samples import sample_files

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {"HAISHIN_CONTENT_DIR": str(tmp_path / "content"), "COLUMNS": "200"}


def haishin(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def test_a_draft_of_a_korean_weekly_proposes_its_recurring_sections(
    env: dict[str, str], tmp_path: Path
) -> None:
    files = [str(p) for p in sample_files("nodejs-ko-weekly")]
    result = haishin(env, "profile", "init", *files)
    assert result.exit_code == 0, result.output
    written = tmp_path / "content" / "newsletter.toml"
    profile = load_profile(written)
    assert (profile.name, profile.language, str(profile.timezone)) == (
        "Node.js 주간 뉴스",
        "ko",
        "Asia/Seoul",
    )
    titles = [spec.title for spec in profile.sections]
    assert titles[-2:] == ["커뮤니티 업데이트", "다가오는 이벤트"]  # in all three issues, in order
    community = profile.sections[-2]
    assert community.link_list is True
    # A release section named by its version recurs as a pattern, not as one alias per version.
    release = next(spec for spec in profile.sections if spec.patterns)
    assert release.matches("Node v8.0.0(현재 버전)")
    assert "dates come from the file names" in written.read_text(encoding="utf-8")
    # With the draft, the recurring headings are sections of the profile: no warning for them.
    for path in files:
        issue = load_issue(Path(path), profile)
        warned = " ".join(n.message for n in issue.notes if n.kind is NoteKind.WARNING)
        assert "커뮤니티 업데이트" not in warned


def test_dates_written_month_first_get_a_date_format(env: dict[str, str], tmp_path: Path) -> None:
    issues = tmp_path / "site" / "newsletter"
    for number, day in ((293, "08-05-2026"), (294, "08-19-2026")):
        folder = issues / str(number)
        folder.mkdir(parents=True)
        (folder / "index.mdx").write_text(
            f"---\ntitle: This Week In React #{number}: News\ndate: {day}\n---\n\n"
            'import Support from "../_support.mdx";\n\n## ⚛️ React {#react}\n\nText.\n\n'
            "## 📱 React-Native {#react-native}\n\nMore.\n",
            encoding="utf-8",
        )
    result = haishin(
        env, "profile", "init", str(issues / "293/index.mdx"), str(issues / "294/index.mdx")
    )
    assert result.exit_code == 0, result.output
    assert "written MM-DD-YYYY" in result.output  # 08-19-2026 says which; 08-05-2026 cannot
    draft = (tmp_path / "content" / "newsletter.toml").read_text(encoding="utf-8")
    profile = parse_profile(tomllib.loads(draft))
    assert profile.name == "This Week In React"
    assert profile.date_format == "%m-%d-%Y"
    assert [(s.key, s.title, s.aliases) for s in profile.sections] == [
        ("react", "React", ("⚛️ React",)),
        ("react-native", "React-Native", ("📱 React-Native",)),
    ]
    issue = load_issue(issues / "293/index.mdx", profile)
    assert issue.date is not None and issue.date.isoformat() == "2026-08-05"


def test_an_existing_profile_is_kept_unless_forced(env: dict[str, str], tmp_path: Path) -> None:
    files = [str(p) for p in sample_files("react-native-blog")]
    target = tmp_path / "content" / "newsletter.toml"
    target.parent.mkdir()
    target.write_text('name = "mine"\n', encoding="utf-8")
    refused = haishin(env, "profile", "init", *files)
    assert refused.exit_code == 1
    assert "already exists" in refused.output and "--force" in refused.output
    assert target.read_text(encoding="utf-8") == 'name = "mine"\n'
    printed = haishin(env, "profile", "init", *files, "--output", "-")
    assert printed.exit_code == 0
    assert parse_profile(tomllib.loads(printed.output)).name == "React Native"
    forced = haishin(env, "profile", "init", *files, "--force")
    assert forced.exit_code == 0 and "React Native" in target.read_text(encoding="utf-8")


def test_dates_that_never_say_which_way_round_are_pointed_out(
    env: dict[str, str], tmp_path: Path
) -> None:
    paths = []
    for number, day in ((1, "08-05-2026"), (2, "07-08-2026")):
        path = tmp_path / f"issue-{number}.md"
        path.write_text(f"---\ndate: {day}\n---\n\n## News\n\nText.\n", encoding="utf-8")
        paths.append(str(path))
    result = haishin(env, "profile", "init", *paths, "-o", "-")
    assert result.exit_code == 0, result.output
    assert "could be MM-DD or DD-MM" in result.output
    assert parse_profile(tomllib.loads(result.output)).date_format is None
