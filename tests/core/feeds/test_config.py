"""The profile's [feed] table: defaults, every key checked, messages that say how to fix it."""

from __future__ import annotations

import ipaddress
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConfigError
from core.feeds.backoff import Backoff
from core.feeds.config import PRIVATE_NETWORKS, FeedConfig
from core.feeds.table import parse_feed_table
from core.profile import parse_profile

CONTENT = Path(__file__).resolve().parents[3] / "content"


def test_defaults_need_only_a_url() -> None:
    config = parse_feed_table({"url": "https://example.com/feed"})
    assert config == FeedConfig(urls=("https://example.com/feed",))
    assert (config.interval, config.timeout, config.max_bytes) == (
        timedelta(minutes=15),
        20.0,
        10_000_000,
    )
    assert (config.fetch_pages, config.allowed_networks) == ("auto", ())


def test_every_key() -> None:
    config = parse_feed_table(
        {
            "urls": ["https://a.example/rss", "http://b.example/atom.xml"],
            "interval": "1h",
            "timeout": "7.5s",
            "max_size": "2MiB",
            "fetch_pages": "always",
            "allow_private": ["10.1.0.0/16", "fd00::/8"],
            "user_agent": "MyLetter/2.0",
        }
    )
    assert config.urls == ("https://a.example/rss", "http://b.example/atom.xml")
    assert (config.interval, config.timeout, config.max_bytes) == (timedelta(hours=1), 7.5, 2**21)
    assert config.allowed_networks == (
        ipaddress.ip_network("10.1.0.0/16"),
        ipaddress.ip_network("fd00::/8"),
    )
    assert parse_feed_table({"url": "https://x.example/", "allow_private": True}).allowed_networks
    assert ipaddress.ip_network("169.254.0.0/16") not in PRIVATE_NETWORKS


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, r"\[feed\] needs url"),
        ({"url": "ftp://example.com/feed"}, r"not an http\(s\) URL"),
        ({"url": "file:///etc/passwd"}, r"not an http\(s\) URL"),
        ({"url": "https://"}, r"not an http\(s\) URL"),
        ({"url": "https://a/", "urls": ["https://b/"]}, r"either url .* or urls"),
        ({"urls": ["https://a/", "https://a/"]}, r"same feed twice"),
        ({"url": "https://a/", "interval": "30s"}, r"at least 1m"),
        ({"url": "https://a/", "interval": "often"}, r"feed.interval 'often' is not a duration"),
        ({"url": "https://a/", "interval": float("inf")}, r"feed.interval must be at most 7d"),
        ({"url": "https://a/", "interval": 10**30}, r"feed.interval must be at most 7d"),
        ({"url": "https://a/", "interval": float("nan")}, r"feed.interval must be at most 7d"),
        ({"url": "https://a/", "interval": "99999999999999999999h"}, r"at most 7d"),
        ({"url": "https://a/", "timeout": float("nan")}, r"feed.timeout must be"),
        ({"url": "https://a/", "timeout": "10m"}, r"feed.timeout must be"),
        ({"url": "https://a/", "max_size": "huge"}, r"feed.max_size 'huge' is not a size"),
        ({"url": "https://a/", "max_size": 10}, r"between 1KiB and 1GiB"),
        ({"url": "https://a/", "fetch_pages": "sometimes"}, r"auto, always or never"),
        ({"url": "https://a/", "allow_private": "yes"}, r"true, false or a list"),
        ({"url": "https://a/", "allow_private": ["intranet"]}, r"'intranet' is not a network"),
        ({"url": "https://a/", "pages": True}, r"unknown key\(s\) \['pages'\]"),
    ],
)
def test_mistakes_are_named(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_feed_table(table)


def test_the_profile_checks_its_feed_table() -> None:
    raw = tomllib.loads((CONTENT / "newsletter.toml").read_text(encoding="utf-8"))
    raw["feed"] = {"url": "https://example.com/feed", "interval": "5s"}
    with pytest.raises(ConfigError, match=r"newsletter.toml: feed.interval must be at least 1m"):
        parse_profile(raw, source="newsletter.toml")
    raw["feed"] = {"url": "https://example.com/feed"}
    profile = parse_profile(raw)
    assert profile.feed == FeedConfig(urls=("https://example.com/feed",))


def test_the_example_in_the_shipped_profile_is_valid() -> None:
    lines = (CONTENT / "newsletter.toml").read_text(encoding="utf-8").splitlines()
    start = lines.index("# [feed]")
    example = "\n".join(line.removeprefix("# ") for line in lines[start:] if line.startswith("# "))
    table = tomllib.loads(example.replace("#  ", "# "))["feed"]
    assert parse_feed_table(table).urls == ("https://note.com/example/rss",)


def test_backoff_doubles_up_to_the_cap_and_honours_retry_after() -> None:
    backoff = Backoff()
    interval = timedelta(minutes=15)
    delays = [backoff.delay(n, interval=interval) for n in range(1, 10)]
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)]
    assert backoff.delay(20, interval=timedelta(hours=6)) == timedelta(hours=6)
    assert backoff.delay(1, interval=interval, retry_after=600) == timedelta(minutes=10)
    assert backoff.delay(1, interval=interval, retry_after=10**9) == timedelta(days=1)
    assert backoff.delay(1, interval=interval, spread=0.0) == timedelta(seconds=54)
    assert backoff.delay(1, interval=interval, spread=0.999) < timedelta(seconds=66)
