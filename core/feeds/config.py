"""The ``[feed]`` table of the newsletter profile: which feeds to follow, and how.

```toml
[feed]
url = "https://example.substack.com/feed"   # or urls = ["…", "…"] for several
interval = "15m"          # how often to poll: 90s, 15m, 1h (at least 1m)
timeout = "20s"           # the whole request, redirects included
max_size = "10MB"         # a feed or page larger than this is refused (read no further)
fetch_pages = "auto"      # auto: fetch the entry's page when the feed has only a summary
                          # always: fetch it even when the feed has a body; never: summary only
allow_private = false     # true: loopback and private networks too (a feed on an intranet);
                          # or a list of networks, e.g. ["10.1.0.0/16"]
user_agent = "…"          # how haishin names itself to the site (optional)
```

Only ``url``/``urls`` is required. Every value is checked when the profile is loaded, and a
mistake names the key and says how to write it.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from core.errors import ConfigError

FetchPages = Literal["auto", "always", "never"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_USER_AGENT = "haishin-feed-reader/1.0 (+https://github.com/haishin/haishin)"
_KEYS = {
    "url",
    "urls",
    "interval",
    "timeout",
    "max_size",
    "fetch_pages",
    "allow_private",
    "user_agent",
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
MAX_INTERVAL = timedelta(days=7)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?\s*$", re.IGNORECASE)
_SIZES = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2}
_SIZES["gib"] = 1024**3
# Loopback and the private ranges that ``allow_private = true`` opens; link-local (cloud
# metadata at 169.254.169.254) is never among them: name it explicitly if it must be reached.
PRIVATE_NETWORKS: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "::1/128",
        "fc00::/7",
    )
)


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """How haishin follows the newsletter's feeds (see the module docstring for the keys)."""

    urls: tuple[str, ...]
    interval: timedelta = timedelta(minutes=15)
    timeout: float = 20.0
    max_bytes: int = 10_000_000
    fetch_pages: FetchPages = "auto"
    allowed_networks: tuple[Network, ...] = ()
    user_agent: str = DEFAULT_USER_AGENT

    @classmethod
    def from_profile_table(cls, table: Mapping[str, Any] | None) -> FeedConfig | None:
        """The checked configuration of a profile's ``[feed]`` table (None without one)."""
        return None if table is None else parse_feed_table(table)

    def for_url(self, url: str) -> FeedConfig:
        """The same settings for one feed (``haishin ingest --feed URL``)."""
        return FeedConfig(
            urls=(check_feed_url(url, "feed URL"),),
            interval=self.interval,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            fetch_pages=self.fetch_pages,
            allowed_networks=self.allowed_networks,
            user_agent=self.user_agent,
        )


def parse_feed_table(table: Mapping[str, Any]) -> FeedConfig:
    """Check a profile's ``[feed]`` table.

    Raises:
        ConfigError: a key is unknown or a value malformed; the message names the key
            (``feed.interval``) and shows how to write it.
    """
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(f"[feed]: unknown key(s) {sorted(unknown)}; known keys: {sorted(_KEYS)}")
    urls = _urls(table)
    interval = _duration(table.get("interval", "15m"), "feed.interval")
    if not interval <= MAX_INTERVAL.total_seconds():  # NaN too
        raise ConfigError("feed.interval must be at most 7d (a week), e.g. '15m', '1h' or '1d'")
    if interval < 60:
        raise ConfigError(
            "feed.interval must be at least 1m: polling more often burdens the site "
            "without delivering sooner"
        )
    timeout = _duration(table.get("timeout", "20s"), "feed.timeout")
    if not 0 < timeout <= 300:
        raise ConfigError("feed.timeout must be more than 0 and at most 5m, e.g. '20s'")
    fetch_pages = table.get("fetch_pages", "auto")
    if fetch_pages not in ("auto", "always", "never"):
        raise ConfigError(f"feed.fetch_pages must be auto, always or never, not {fetch_pages!r}")
    agent = table.get("user_agent", DEFAULT_USER_AGENT)
    if not isinstance(agent, str) or not agent.strip() or "\n" in agent:
        raise ConfigError("feed.user_agent must be one line of text")
    return FeedConfig(
        urls=urls,
        interval=timedelta(seconds=interval),
        timeout=timeout,
        max_bytes=_size(table.get("max_size", "10MB")),
        fetch_pages=fetch_pages,
        allowed_networks=_networks(table.get("allow_private", False)),
        user_agent=agent.strip(),
    )


def check_feed_url(url: Any, what: str) -> str:
    """The URL when it is absolute http(s) with a host; ConfigError otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{what} must be a URL such as 'https://example.com/feed'")
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{what} {url!r} is not an http(s) URL; only http:// and https:// feeds are read"
        )
    return url.strip()


def _urls(table: Mapping[str, Any]) -> tuple[str, ...]:
    if "url" in table and "urls" in table:
        raise ConfigError("[feed]: give either url (one feed) or urls (a list), not both")
    if "url" in table:
        return (check_feed_url(table["url"], "feed.url"),)
    urls = table.get("urls")
    if not isinstance(urls, list) or not urls:
        raise ConfigError("[feed] needs url = 'https://…/feed' (or urls = ['…', '…'])")
    checked = tuple(check_feed_url(u, f"feed.urls[{i}]") for i, u in enumerate(urls))
    if len(set(checked)) != len(checked):
        raise ConfigError("feed.urls names the same feed twice")
    return checked


def _duration(value: Any, key: str) -> float:
    """Seconds from ``"15m"``, ``"20s"``, ``"1h"`` or a bare number of seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{key} must be a duration such as '15m', '20s' or '1h'")
    if isinstance(value, int) and abs(value) > 10**15:
        return math.inf  # beyond any bound, and beyond what a float holds
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if match is None:
        raise ConfigError(f"{key} {value!r} is not a duration; write e.g. '15m', '20s' or '1h'")
    return float(match[1]) * _UNITS[(match[2] or "s").lower()]


def _size(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        match = _SIZE.match(str(value))
        if match is None:
            raise ConfigError(f"feed.max_size {value!r} is not a size; write e.g. '10MB'")
        size = int(float(match[1]) * _SIZES[(match[2] or "b").lower()])
    if not 1024 <= size <= 1024**3:
        raise ConfigError("feed.max_size must be between 1KiB and 1GiB, e.g. '10MB'")
    return size


def _networks(value: Any) -> tuple[Network, ...]:
    if value is True:
        return PRIVATE_NETWORKS
    if value is False:
        return ()
    if not isinstance(value, list):
        raise ConfigError(
            "feed.allow_private must be true, false or a list of networks like ['10.1.0.0/16']"
        )
    networks = []
    for item in value:
        try:
            networks.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError:
            raise ConfigError(
                f"feed.allow_private: {item!r} is not a network; write e.g. '10.1.0.0/16'"
            ) from None
    return tuple(networks)
