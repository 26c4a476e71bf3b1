"""Wrong admin tokens, counted per client address whichever way they came (the sign-in form
or an ``Authorization: Bearer`` header): ``ATTEMPTS`` within ``WINDOW``, then that address
waits, even with the right token.

Kept in memory: each ``haishin serve`` process counts its own (with ``--workers N``, N times
the attempts). An IPv6 client is counted by its /64, the block one machine usually holds.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import timedelta

from cachetools import TTLCache
from starlette.requests import Request

from core.clock import Clock

ATTEMPTS = 10
WINDOW = timedelta(minutes=10)
_TRACKED_CLIENTS = 1024


class Lockout:
    """Counts wrong tokens per client.

    Args:
        clock: when a failure leaves the window.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        # TTL on the clock: a client's record goes WINDOW after its newest failure, when
        # none of its failures count any more (the least recently failing first when full).
        self._failures: TTLCache[str, list[float]] = TTLCache(
            _TRACKED_CLIENTS, WINDOW.total_seconds(), timer=lambda: clock.now().timestamp()
        )

    def wait(self, request: Request) -> int:
        """Seconds this client must wait before trying a token again (0: it may try now)."""
        recent = self._recent(client_of(request))
        if len(recent) < ATTEMPTS:
            return 0
        frees_at = recent[-ATTEMPTS] + WINDOW.total_seconds()
        return max(1, math.ceil(frees_at - self.clock.now().timestamp()))

    def failed(self, request: Request) -> None:
        """Count a wrong token from this client."""
        client = client_of(request)
        self._failures[client] = [*self._recent(client), self.clock.now().timestamp()]

    def _recent(self, client: str) -> list[float]:
        since = (self.clock.now() - WINDOW).timestamp()
        return [at for at in self._failures.get(client, []) if at > since]


def client_of(request: Request) -> str:
    """The address a request is counted under (an IPv6 address's /64)."""
    host = request.client.host if request.client else "?"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
