"""Waiting on state, never on time: poll a fake's record, the ledger or ``/healthz`` until
what must happen has happened, and fail with what was awaited after a deadline that only a
broken (or hopelessly overloaded) run reaches.

There is deliberately no helper to wait for something *not* to happen: wait for the state
that rules it out instead (every ledger row sent, say), then assert."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

Condition = Callable[[], bool | Awaitable[bool]]


async def until(condition: Condition, within: float, what: str, *, every: float = 0.1) -> None:
    """Return once ``condition()`` (plain or async) is true; AssertionError after ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        met = condition()
        if inspect.isawaitable(met):
            met = await met
        if met:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not reached in {within} s")
        await asyncio.sleep(every)
