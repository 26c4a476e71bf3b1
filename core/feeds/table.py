"""The ``[feed]`` table as written in ``newsletter.toml``, checked key by key.

``FeedTable`` describes every key (see ``core.feeds.config`` for what each means) and reads
``"15m"``, ``"10MB"`` and the like; ``config()`` gives the ``FeedConfig`` the poller uses.
"""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import timedelta
from typing import Annotated, Any, Self, cast, get_args

from pydantic import ValidationError, model_validator

from core.errors import ConfigError
from core.feeds.config import (
    DEFAULT_USER_AGENT,
    PRIVATE_NETWORKS,
    FeedConfig,
    FetchPages,
    Network,
    check_feed_url,
)
from core.tomlmodel import Table, checked, problems

MAX_INTERVAL = timedelta(days=7)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?\s*$", re.IGNORECASE)
_SIZES = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2}
_SIZES["gib"] = 1024**3


def _url(value: Any) -> str:
    return check_feed_url(value, "feed.url")


def _urls(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError("[feed] needs url = 'https://…/feed' (or urls = ['…', '…'])")
    checked_urls = tuple(check_feed_url(u, f"feed.urls[{i}]") for i, u in enumerate(value))
    if len(set(checked_urls)) != len(checked_urls):
        raise ConfigError("feed.urls names the same feed twice")
    return checked_urls


def _interval(value: Any) -> timedelta:
    seconds = _duration(value, "feed.interval")
    if not seconds <= MAX_INTERVAL.total_seconds():  # NaN too
        raise ConfigError("feed.interval must be at most 7d (a week), e.g. '15m', '1h' or '1d'")
    if seconds < 60:
        raise ConfigError(
            "feed.interval must be at least 1m: polling more often burdens the site "
            "without delivering sooner"
        )
    return timedelta(seconds=seconds)


def _timeout(value: Any) -> float:
    seconds = _duration(value, "feed.timeout")
    if not 0 < seconds <= 300:
        raise ConfigError("feed.timeout must be more than 0 and at most 5m, e.g. '20s'")
    return seconds


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


def _fetch_pages(value: Any) -> FetchPages:
    if isinstance(value, str) and value in get_args(FetchPages):
        return cast("FetchPages", value)
    raise ConfigError(f"feed.fetch_pages must be auto, always or never, not {value!r}")


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


def _user_agent(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise ConfigError("feed.user_agent must be one line of text")
    return value.strip()


class FeedTable(Table):
    """The ``[feed]`` table: one of ``url``/``urls``, every other key optional."""

    toml_name = "[feed]"

    url: Annotated[str | None, checked(_url)] = None
    urls: Annotated[tuple[str, ...] | None, checked(_urls)] = None
    interval: Annotated[timedelta, checked(_interval)] = timedelta(minutes=15)
    timeout: Annotated[float, checked(_timeout)] = 20.0
    max_size: Annotated[int, checked(_size)] = 10_000_000
    fetch_pages: Annotated[FetchPages, checked(_fetch_pages)] = "auto"
    allow_private: Annotated[tuple[Network, ...], checked(_networks)] = ()
    user_agent: Annotated[str, checked(_user_agent)] = DEFAULT_USER_AGENT

    @model_validator(mode="before")
    @classmethod
    def _a_table(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("'feed' must be a table ([feed])")
        return data

    @model_validator(mode="after")
    def _one_url_key(self) -> Self:
        if self.url is not None and self.urls is not None:
            raise ValueError("[feed]: give either url (one feed) or urls (a list), not both")
        if self.url is None and self.urls is None:
            raise ValueError("[feed] needs url = 'https://…/feed' (or urls = ['…', '…'])")
        return self

    def config(self) -> FeedConfig:
        """The settings the poller and the HTTP client use."""
        return FeedConfig(
            urls=(self.url,) if self.url is not None else self.urls or (),
            interval=self.interval,
            timeout=self.timeout,
            max_bytes=self.max_size,
            fetch_pages=self.fetch_pages,
            allowed_networks=self.allow_private,
            user_agent=self.user_agent,
        )


def parse_feed_table(table: Any) -> FeedConfig:
    """Check a ``[feed]`` table on its own (the profile checks its own with the rest).

    Raises:
        ConfigError: one line for each key that is unknown or malformed, naming the key
            (``feed.interval``) and showing how to write it.
    """
    try:
        return FeedTable.model_validate(table).config()
    except ValidationError as exc:
        raise ConfigError("\n".join(problems(exc, FeedTable, table))) from None
