"""The editor's commands (ingest, issues, show, preview, ask) as an editor types them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from bots.cli import app
from tests.conftest import CONTENT, SAMPLE

runner = CliRunner()
CP932_ISSUE = "## トピック\n\n### 円安と輸出企業\n\n輸出企業の利益が伸びました。\n"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    monkeypatch.chdir(tmp_path)  # no stray .env
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


def words(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_preview_json_of_the_sample_has_its_four_sections_and_loses_nothing(
    env: dict[str, str],
) -> None:
    result = haishin(env, "preview", str(SAMPLE), "--json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    sections = document["issue"]["sections"]
    assert [(s["key"], len(s["items"])) for s in sections] == [
        ("topic", 1),
        ("articles", 1),
        ("shorts", 2),
        ("afterword", 1),
    ]
    assert sections[0]["items"][0]["title"] == "🚀 CoreWeave、Metaとの巨額契約で株価急騰"
    assert sections[3]["items"][0]["title"] is None
    assert "コメント" not in result.output
    for platform in ("slack", "line"):
        posts = [p for p in document["posts"] if p["platform"] == platform]
        for section in sections:
            mine = [p for p in posts if p["section"] == section["key"]]
            expected = "".join((i["title"] or "") + i["text"] for i in section["items"])
            assert words("".join(p["text"] for p in mine)) == words(expected)
        topic = [p for p in posts if p["section"] == "topic"]
        assert [(p["part"], p["parts"]) for p in topic] == [(1, 2), (2, 2)]
    line = [p["payload"] for p in document["posts"] if p["platform"] == "line"]
    assert all(
        p["type"] == "text" and len(p["text"].encode("utf-16-le")) // 2 <= 5000 for p in line
    )
    slack = [p["payload"] for p in document["posts"] if p["platform"] == "slack"]
    assert all(0 < len(p["blocks"]) <= 50 and p["text"] for p in slack)


def test_ingest_then_ask_answers_with_the_coreweave_topic(env: dict[str, str]) -> None:
    assert haishin(env, "ingest").exit_code == 0
    again = haishin(env, "ingest")
    assert again.exit_code == 0 and "unchanged" in again.output.lower()

    answer = haishin(env, "ask", "latest topic")
    assert answer.exit_code == 0 and "CoreWeave" in answer.output
    as_json = json.loads(haishin(env, "ask", "最新トピック", "--platform", "line", "--json").output)
    assert as_json["intent"] == "section"
    assert as_json["posts"][0]["text"].startswith("🚀 CoreWeave")
    assert as_json["posts"][0]["payload"]["type"] == "text"


def test_issues_show_and_preview_read_what_is_stored(env: dict[str, str]) -> None:
    assert haishin(env, "ingest").exit_code == 0
    listing = haishin(env, "issues")
    assert listing.exit_code == 0
    assert "2025-10-04" in listing.output and "topic, articles, shorts" in listing.output

    afterword = haishin(env, "show", "2025-10-04", "afterword")
    assert afterword.exit_code == 0 and "編集後記" in afterword.output
    assert "コメント" not in haishin(env, "show", "latest").output

    stored = haishin(env, "preview", "--platform", "line", "--json")
    assert {p["platform"] for p in json.loads(stored.output)["posts"]} == {"line"}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("show", "9", "topic"), "no issue number 9; `haishin issues` lists them"),
        (("show", "1", "weather"), "weather"),
        (("show", "yesterday"), "give a number (3), a date (2025-10-04) or latest"),
        (("ask", "latest", "--platform", "teams"), "--platform must be slack or line"),
        (("preview", "missing.txt"), "missing.txt"),
    ],
)
def test_mistakes_get_one_clear_line_and_status_1(
    env: dict[str, str], args: tuple[str, ...], says: str
) -> None:
    assert haishin(env, "ingest").exit_code == 0
    result = haishin(env, *args)
    assert result.exit_code != 0
    assert says in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_shift_jis_file_names_itself_and_the_fix_then_ingests_with_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    issue = tmp_path / "content" / "issues" / "2025-10-11.md"
    issue.write_bytes(CP932_ISSUE.encode("cp932"))

    refused = haishin(env, "ingest")
    said = " ".join(refused.output.split())
    assert refused.exit_code == 1
    assert "2025-10-11.md:1: is not UTF-8" in said and "pass --encoding cp932" in said
    assert "円安" not in haishin(env, "show", "latest").output  # nothing of it stored...
    assert "CoreWeave" in haishin(env, "show", "latest", "topic").output  # ...the rest is

    fixed = haishin(env, "ingest", str(issue), "--encoding", "cp932")
    assert fixed.exit_code == 0, fixed.output
    assert "円安と輸出企業" in haishin(env, "show", "2025-10-11", "topic").output


def test_ask_pages_as_each_platforms_bot_does(env: dict[str, str]) -> None:
    assert haishin(env, "ingest").exit_code == 0  # the sample is issue 1
    content = Path(env["HAISHIN_CONTENT_DIR"])
    lines = (content / "issues" / SAMPLE.name).read_text(encoding="utf-8").split("\n")
    extra = [f"第{n}の論点。" + "計算資源と電力の調達を同時に迫ります。" * 40 for n in range(1, 15)]
    (content / "issues" / "2025-09-27.txt").write_text(
        "\n".join(lines[:3] + extra + lines[3:]), encoding="utf-8"
    )
    assert haishin(env, "ingest").exit_code == 0
    for platform, page in (("slack", 3), ("line", 5)):
        result = haishin(env, "ask", "issue 2 topic", "--platform", platform, "--json")
        assert result.exit_code == 0, result.output
        answer = json.loads(result.output)
        assert len(answer["posts"]) == page, platform
        assert answer["more"]["command"].endswith(f"p{page + 1}"), platform
