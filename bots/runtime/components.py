"""Background components of ``haishin serve``: started after the platforms, stopped before.

Other features add theirs (a feed poller, say) by appending a factory to ``COMPONENTS``::

    from bots.runtime import COMPONENTS
    COMPONENTS.append(lambda services: FeedPoller(services))  # or None when off

A factory gets the bootstrapped ``Services`` and returns a ``Component`` or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bots.bootstrap import Services


class Component(Protocol):
    """Something that runs in the background while the service is up."""

    async def start(self) -> None:
        """Start (inside the running loop); return once running."""

    async def stop(self) -> None:
        """Stop, finishing or handing back work in progress."""


ComponentFactory = Callable[[Services], "Component | None"]

COMPONENTS: list[ComponentFactory] = []
