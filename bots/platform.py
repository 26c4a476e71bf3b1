"""What a chat platform adds to the running service: routes, a publisher, start/stop hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # starlette only for the web app, not for every importer of the contract
    from starlette.routing import BaseRoute

    from core.ports import Publisher

Hook = Callable[[], Awaitable[None]]


@dataclass
class Platform:
    """One platform, switched on.

    Args:
        name: ``slack`` or ``line``.
        routes: the web routes it serves (``/slack/events``, ``/line/webhook``...).
        publisher: how digests reach it.
        on_startup / on_shutdown: run inside the server's lifespan, in order / reverse order.
        status: extra facts for ``/healthz`` (mode, workspace...).
        prepare: run once by ``haishin serve`` before it listens (stored tokens encrypted);
            a ``ConfigError`` there stops it with the message.
    """

    name: str
    routes: list[BaseRoute] = field(default_factory=list)
    publisher: Publisher | None = None
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    prepare: list[Hook] = field(default_factory=list)
