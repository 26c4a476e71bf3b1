"""How long a claim holds, and the lanes sends run in: the rules behind the claims that
``core.storage.claims.ClaimRepository`` makes.

A worker's claims are its own while it beats (``core.storage.heartbeats``). Silent for
``WORKER_TIMEOUT``, it counts as dead and its rows can be claimed again; so can a row held
longer than ``MAX_LEASE`` even by a live worker (a send that never returns). A row taken
over while ``sending`` comes back with ``previous_state="sending"``: the send may have
landed, so it is looked up before it is sent again (``core.delivery.attempt``).
"""

from __future__ import annotations

from datetime import timedelta

WORKER_TIMEOUT = timedelta(seconds=30)
MAX_LEASE = timedelta(minutes=15)


def lane_of(platform: str, workspace: str | None) -> str:
    """The lane a subscription's sends run in: its platform and Slack workspace."""
    return f"{platform}:{workspace or ''}"
