"""The vocabulary of LINE audiences: a reader's section choice, one send's audience.

How ``line:all`` is split into sends is ``bots.line.reach``: a broadcast (every friend, one
request, 60 an hour), a narrowcast leaving some out (60 an hour), multicasts of up to 500
chosen users (200 a second) and pushes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.ports import Audience

MULTICAST_MAX = 500
EVERYONE = ("all",)


class SectionChoice(Protocol):
    """A follower and the sections they chose (empty: every section); ``LineFollower`` is one."""

    @property
    def user_id(self) -> str: ...

    @property
    def sections(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Follower:
    """A plain ``SectionChoice``."""

    user_id: str
    sections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AudiencePlan:
    """One send: to whom, and which sections of the issue (empty: all of them)."""

    audience: Audience
    sections: tuple[str, ...]


def narrow_choice(
    sections: Sequence[str], available: Sequence[str] | None
) -> tuple[str, ...] | None:
    if not sections:
        return ()
    chosen = set(sections)
    if available is None:
        return tuple(sorted(chosen))
    kept = tuple(key for key in available if key in chosen)
    if not kept:
        return None
    return () if len(kept) == len(set(available)) else kept
