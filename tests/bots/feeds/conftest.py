"""The feed site on loopback, and resolvers that answer without DNS."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from tests.bots.feeds.server import FeedSite

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.0/8"),)
"""What the tests allow: the loopback test server, and no other private address."""

# Names the tests use instead of real DNS.
ANSWERS = {
    "site.test": ["127.0.0.1"],
    "intranet.test": ["10.0.0.7"],
    "metadata.test": ["169.254.169.254"],
    "rebind.test": ["127.0.0.1", "192.168.1.20"],
    "mapped.test": ["::ffff:10.0.0.7"],
    "public.test": ["93.184.215.14"],
}


async def fake_dns(host: str, port: int) -> list[str]:
    """Answers from ``ANSWERS``; address literals answer themselves, as getaddrinfo does."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if host not in ANSWERS:
        raise OSError(f"[Errno -2] Name or service not known: {host}")
    return ANSWERS[host]


@pytest.fixture
def site() -> Iterator[FeedSite]:
    server = FeedSite()
    server.start()
    try:
        yield server
    finally:
        server.stop()
