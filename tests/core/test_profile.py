"""newsletter.toml read once through its models: every key, and a line for each mistake that
names the file and the key and says how to write it."""

from __future__ import annotations

import re
import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConfigError
from core.feeds.config import FeedConfig
from core.feeds.table import FeedTable
from core.profile import load_profile, parse_profile
from core.profilefile import ProfileFile, SectionTable

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "content" / "newsletter.toml"


def mistakes(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_profile(raw, source="letter.toml")
    lines = str(caught.value).splitlines()
    assert all(line.startswith("letter.toml: ") for line in lines), lines
    return [line.removeprefix("letter.toml: ") for line in lines]


def test_the_shipped_profile_reads_whole() -> None:
    profile = load_profile(SHIPPED)
    assert (profile.name, profile.language, profile.timezone.key) == (
        "週刊ビジネスレター",
        "ja",
        "Asia/Tokyo",
    )
    assert profile.publish_time == time(7, 0) and profile.digest_slot is not None
    assert [spec.key for spec in profile.sections] == ["topic", "articles", "shorts", "afterword"]
    shorts = profile.spec("shorts")
    assert shorts is not None and shorts.matches("小ネタ3本")
    assert profile.feed is None and profile.stats_days == 400


def test_the_feed_table_is_read_once_into_its_settings() -> None:
    raw = {"name": "n", "feed": {"urls": ["https://a.example/rss"], "interval": "1h"}}
    feed = parse_profile(raw).feed
    assert feed == FeedConfig(urls=("https://a.example/rss",), interval=timedelta(hours=1))


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ({}, "'name' is required: the newsletter's name as readers know it"),
        ({"name": "  "}, "'name' is required"),
        ({"name": "n", "language": 3}, "'language' must be a language code"),
        ({"name": "n", "timezone": "Mars/Base"}, "timezone 'Mars/Base' is not an IANA zone name"),
        ({"name": "n", "publish_time": "7am"}, "publish_time '7am' is not a time; write it as"),
        ({"name": "n", "digest_slot": "someday"}, "digest_slot: weekly slot 'someday' is not"),
        ({"name": "n", "target_post_chars": 50}, "'target_post_chars' must be a whole number"),
        ({"name": "n", "target_post_chars": "900"}, "'target_post_chars' must be a whole number"),
        ({"name": "n", "drop_trailing": "x"}, "'drop_trailing' must be a list of strings"),
        ({"name": "n", "date_format": 5}, "'date_format' must be text"),
        ({"name": "n", "stats_days": -1}, "'stats_days' must be a whole number of days"),
        ({"name": "n", "feed": "https://a/"}, "'feed' must be a table ([feed])"),
        ({"name": "n", "sections": {"key": "a"}}, "'sections' must be a list of tables"),
        ({"name": "n", "sections": ["topic"]}, "sections[0]: must be a table"),
        ({"name": "n", "sections": [{"title": "T"}]}, "sections[0]: 'key' must be lower-case"),
        ({"name": "n", "sections": [{"key": "Topic"}]}, "sections[0]: 'key' must be lower-case"),
        ({"name": "n", "sections": [{"key": "a", "title": 1}]}, "sections[0] (a): 'title' must"),
        (
            {"name": "n", "sections": [{"key": "a", "aliases": [1]}]},
            "sections[0] (a): 'aliases' must",
        ),
        (
            {"name": "n", "sections": [{"key": "a", "patterns": "x+"}]},
            "sections[0] (a): 'patterns' must",
        ),
        (
            {"name": "n", "sections": [{"key": "a", "patterns": ["("]}]},
            "sections[0] (a): pattern '(' is",
        ),
        (
            {"name": "n", "sections": [{"key": "a", "headlines": "no"}]},
            "sections[0] (a): 'headlines' must",
        ),
        (
            {"name": "n", "sections": [{"key": "a", "link_list": 1}]},
            "sections[0] (a): 'link_list' must",
        ),
        (
            {"name": "n", "sections": [{"key": "a"}, {"key": "a"}]},
            "section keys must be unique: ['a']",
        ),
    ],
)
def test_each_key_says_what_is_wrong(raw: dict[str, Any], line: str) -> None:
    [said] = mistakes(raw)
    assert said.startswith(line), said


def test_several_mistakes_are_said_at_once_a_line_each() -> None:
    said = mistakes(
        {
            "name": "n",
            "timezone": "Asia/Tokio",
            "target_post_chars": 10,
            "feed": {"url": "https://a.example/rss", "interval": "10s", "max_size": "huge"},
            "sections": [{"key": "topic", "aliases": "topic"}],
        }
    )
    assert said == [
        "timezone 'Asia/Tokio' is not an IANA zone name (did you mean 'Asia/Tokyo'?); use e.g. "
        "Asia/Tokyo or Europe/Berlin",
        "'target_post_chars' must be a whole number from 200 to 4000",
        "sections[0] (topic): 'aliases' must be a list of strings",
        "feed.interval must be at least 1m: polling more often burdens the site without "
        "delivering sooner",
        "feed.max_size 'huge' is not a size; write e.g. '10MB'",
    ]


def test_an_unknown_key_is_refused_with_the_nearest_known_one() -> None:
    [top] = mistakes({"name": "n", "timezon": "UTC"})
    assert top.startswith("unknown key(s) ['timezon'] (did you mean 'timezone'?); known keys: [")
    [feed] = mistakes({"name": "n", "feed": {"url": "https://a/", "intervall": "1h"}})
    assert feed.startswith("[feed]: unknown key(s) ['intervall'] (did you mean 'interval'?)")
    [section] = mistakes({"name": "n", "sections": [{"key": "a", "alias": ["x"]}]})
    assert section.startswith("sections[0] (a): unknown key(s) ['alias'] (did you mean 'aliases'")
    [odd] = mistakes({"name": "n", "colour": "red"})
    assert "did you mean" not in odd and "'timezone'" in odd


def test_a_top_level_key_written_after_a_table_is_explained() -> None:
    text = 'name = "n"\n[feed]\nurl = "https://a.example/rss"\nstats_days = 30\n'
    [said] = mistakes(tomllib.loads(text))
    assert said.startswith(
        "[feed]: unknown key(s) ['stats_days'] ('stats_days' is a top-level key: move it "
        "above the first [table] line)"
    )


def test_a_toml_local_time_is_a_publish_time() -> None:
    raw = tomllib.loads('name = "n"\npublish_time = 06:30:00\n')
    assert parse_profile(raw).publish_time == time(6, 30)
    [said] = mistakes(tomllib.loads('name = "n"\npublish_time = 06:30:15\n'))
    assert said.startswith("publish_time '06:30:15' is not a time")


def test_the_file_is_named_when_it_is_missing_or_not_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no newsletter profile here"):
        load_profile(tmp_path / "newsletter.toml")
    broken = tmp_path / "newsletter.toml"
    broken.write_text('name = "n\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{broken}: not valid TOML")):
        load_profile(broken)
    broken.write_text('name = "n"\nstats_days = "all"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{broken}: 'stats_days' must be")):
        load_profile(broken)


def test_the_readme_names_every_key() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    content = readme[readme.index("## Content") : readme.index("## Feeds")]
    feeds = readme[readme.index("## Feeds") : readme.index("## Slack")]
    for model, text in ((ProfileFile, content), (SectionTable, content), (FeedTable, feeds)):
        for key in model.model_fields:
            named = (f"`{key}`", f"`{key} =", f"{key} =", f"`[{key}]`", f"`[[{key}]]`")
            assert any(form in text for form in named), f"README does not name {key}"
