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

Only ``url``/``urls`` is required. ``core.feeds.table`` reads and checks the table when the
profile is loaded (a mistake names the key and says how to write it); ``FeedConfig`` is what
it gives the poller.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from core.errors import ConfigError

FetchPages = Literal["auto", "always", "never"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_USER_AGENT = "haishin-feed-reader/1.0 (+https://github.com/haishin/haishin)"
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

    def for_url(self, url: str) -> FeedConfig:
        """The same settings for one feed (``haishin ingest --feed URL``)."""
        return dataclasses.replace(self, urls=(check_feed_url(url, "feed URL"),))


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
