"""The newsletter profile (``content/newsletter.toml``): its sections, aliases and timing.

``Profile`` is what the parsers and bots read; ``core.profilefile`` describes the file itself
and checks it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import ConfigError
from core.feeds.config import FeedConfig
from core.slot import WeeklySlot
from core.textnorm import fold

_UTC = ZoneInfo("UTC")
STATS_DAYS = 400  # how long reading stats are kept by default: a year and a little more
MAX_STATS_DAYS = 3660


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A section the newsletter has: how to recognise its heading and how to name it."""

    key: str
    title: str
    aliases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    headlines: bool = True  # False: the section's text is one item without a headline
    # True: each top-level bullet is a story (an item); False: never; None: detected.
    link_list: bool | None = None

    def matches(self, heading: str) -> bool:
        """True when a heading (or a command word) names this section."""
        folded = fold(heading)
        if not folded:
            return False
        if folded == fold(self.key) or folded == fold(self.title):
            return True
        if any(folded == fold(alias) for alias in self.aliases):
            return True
        return any(pattern.fullmatch(folded) for pattern in self.patterns)

    @property
    def names(self) -> tuple[str, ...]:
        """Every word that names the section, title and key first."""
        seen: dict[str, None] = dict.fromkeys((self.title, self.key, *self.aliases))
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Profile:
    """What haishin knows about the newsletter it distributes."""

    name: str
    language: str = "en"
    timezone: ZoneInfo = _UTC
    publish_time: time = time(7, 0)
    digest_slot: WeeklySlot | None = None
    target_post_chars: int = 1000
    drop_trailing: tuple[str, ...] = ()
    sections: tuple[SectionSpec, ...] = ()
    feed: FeedConfig | None = None  # the [feed] table: None follows no feed
    # strptime format of front matter dates written day and month both as numbers
    # (``%m-%d-%Y`` for 08-19-2026); None: only unambiguous ones are read.
    date_format: str | None = None
    # Days of reading stats kept (0: none are counted at all).
    stats_days: int = STATS_DAYS

    @classmethod
    def default(cls, name: str = "newsletter") -> Profile:
        """A profile that names no sections: headings become sections keyed by slug."""
        return cls(name=name)

    def section_for(self, heading: str) -> SectionSpec | None:
        """The section a heading starts, or None when the profile does not know it."""
        return next((spec for spec in self.sections if spec.matches(heading)), None)

    def spec(self, key: str) -> SectionSpec | None:
        """The section with this key."""
        return next((spec for spec in self.sections if spec.key == key), None)

    def is_dropped(self, line: str) -> bool:
        """True for a boilerplate line that should not reach readers."""
        folded = fold(line)
        return bool(folded) and any(folded == fold(drop) for drop in self.drop_trailing)


def load_profile(path: Path) -> Profile:
    """Read and check a profile file.

    Raises:
        ConfigError: the file is missing or malformed; the message names the file and key.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no newsletter profile here; create it (see README, 'Content') "
            "or point HAISHIN_CONTENT_DIR at the folder that holds newsletter.toml"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_profile(raw, source=str(path))


def parse_profile(raw: dict[str, Any], *, source: str = "newsletter.toml") -> Profile:
    """Build a Profile from parsed TOML, checking every key (``core.profilefile``).

    Raises:
        ConfigError: a line for each mistake, each naming ``source`` and the key.
    """
    from core.profilefile import read_profile  # pydantic loads once a profile is read

    return read_profile(raw, source)
