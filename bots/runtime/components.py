"""Background components of ``haishin serve``: started after the platforms, stopped before.

Each is one line of ``COMPONENTS``: the factory's module path and name, imported when
``haishin serve`` builds its components (``factories``), never switched on by an import's
side effect. A factory gets the bootstrapped ``Services`` and returns a ``Component``, or
None when it has nothing to do (no ``[feed]`` in the profile, say).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bots.bootstrap import Services


class Component(Protocol):
    """Something that runs in the background while the service is up."""

    async def start(self) -> None:
        """Start (inside the running loop); return once running."""

    async def stop(self) -> None:
        """Stop, finishing or handing back work in progress."""


ComponentFactory = Callable[["Services"], "Component | None"]

COMPONENTS: list[str] = [
    "bots.feeds.component:feed_poller",  # the profile's [feed], polled
    "bots.runtime.stats_upkeep:stats_upkeep",  # reading stats past stats_days forgotten
]


def factories() -> list[ComponentFactory]:
    """The factory of every component, in ``COMPONENTS`` order."""
    found: list[ComponentFactory] = []
    for entry in COMPONENTS:
        module, _, name = entry.partition(":")
        found.append(getattr(importlib.import_module(module), name))
    return found
