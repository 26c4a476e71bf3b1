"""A message's sizes against its platform's limits, and what is over said plainly.

Each platform measures its own messages (``ChatPlatform.measure``, with the platform's own
numbers from ``reference/platform-facts.md``); the console draws the meters and lists the
problems without knowing which platform they came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Meter:
    """A size against its limit."""

    label: str
    size: int
    limit: int
    shown: bool = True  # False: checked, but drawn only when it gets close

    @property
    def over(self) -> bool:
        """True when the size is over the limit."""
        return self.size > self.limit

    @property
    def percent(self) -> int:
        """How full, 0-100 (capped), for the bar."""
        return min(100, round(100 * self.size / self.limit)) if self.limit else 100

    @property
    def near(self) -> bool:
        """True from 85 % of the limit."""
        return self.size * 100 >= self.limit * 85


@dataclass(slots=True)
class Measured:
    """A payload with its meters and the problems they show."""

    payload: dict[str, Any]
    meters: list[Meter] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def visible(self) -> list[Meter]:
        """The meters worth drawing: the main ones, and any that is close to its limit."""
        return [meter for meter in self.meters if meter.shown or meter.near]

    def check(self, meter: Meter, problem: str) -> None:
        """Add a meter; if it is over, add the problem too."""
        self.meters.append(meter)
        if meter.over:
            self.problems.append(f"{problem} ({meter.size:,} > {meter.limit:,})")
