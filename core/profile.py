"""The newsletter profile (``content/newsletter.toml``): its sections, aliases and timing."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import ConfigError
from core.slot import WeeklySlot, parse_time, parse_zone
from core.textnorm import fold

_TOP_KEYS = {
    "name",
    "language",
    "timezone",
    "publish_time",
    "digest_slot",
    "target_post_chars",
    "drop_trailing",
    "sections",
    "feed",
    "date_format",
    "stats_days",
}
_SECTION_KEYS = {"key", "title", "aliases", "patterns", "headlines", "link_list"}
_UTC = ZoneInfo("UTC")
_KEY = re.compile(r"^[a-z][a-z0-9_-]*$")
_DATE_TOKENS = (("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("HH", "%H"), ("mm", "%M"))
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
    feed: dict[str, Any] | None = None
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
    """Build a Profile from parsed TOML, checking every key."""

    def fail(message: str) -> ConfigError:
        return ConfigError(f"{source}: {message}")

    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise fail(f"unknown key(s) {sorted(unknown)}; known keys are {sorted(_TOP_KEYS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("'name' is required: the newsletter's name as readers know it")
    try:
        zone = parse_zone(str(raw.get("timezone", "UTC")))
        publish_time = parse_time(str(raw.get("publish_time", "07:00")), what="publish_time")
        slot_text = raw.get("digest_slot")
        slot = WeeklySlot.parse(str(slot_text), zone) if slot_text else None
    except ConfigError as exc:
        raise fail(str(exc)) from None
    target = raw.get("target_post_chars", 1000)
    if not isinstance(target, int) or not 200 <= target <= 4000:
        raise fail("'target_post_chars' must be a whole number from 200 to 4000")
    drop = raw.get("drop_trailing", [])
    if not isinstance(drop, list) or not all(isinstance(x, str) for x in drop):
        raise fail("'drop_trailing' must be a list of strings")
    stats_days = raw.get("stats_days", STATS_DAYS)
    if (
        not isinstance(stats_days, int)
        or isinstance(stats_days, bool)
        or not 0 <= stats_days <= MAX_STATS_DAYS
    ):
        raise fail(
            f"'stats_days' must be a whole number of days from 0 (keep no reading stats) "
            f"to {MAX_STATS_DAYS}, e.g. stats_days = {STATS_DAYS}"
        )
    feed = raw.get("feed")
    if feed is not None and not isinstance(feed, dict):
        raise fail("'feed' must be a table ([feed])")
    if feed is not None:
        from core.feeds.config import parse_feed_table  # core.feeds imports this module

        try:
            parse_feed_table(feed)
        except ConfigError as exc:
            raise fail(str(exc)) from None
    date_format = raw.get("date_format")
    if date_format is not None:
        if not isinstance(date_format, str):
            raise fail("'date_format' must be text, e.g. \"MM-DD-YYYY\"")
        date_format = _date_format(date_format, fail)
    sections = tuple(
        _parse_section(entry, index, fail) for index, entry in enumerate(raw.get("sections", []))
    )
    keys = [spec.key for spec in sections]
    if len(set(keys)) != len(keys):
        raise fail(f"section keys must be unique, got {keys}")
    return Profile(
        name=name.strip(),
        language=str(raw.get("language", "en")),
        timezone=zone,
        publish_time=publish_time,
        digest_slot=slot,
        target_post_chars=target,
        drop_trailing=tuple(drop),
        sections=sections,
        feed=feed,
        date_format=date_format,
        stats_days=stats_days,
    )


def _date_format(text: str, fail: Any) -> str:
    """``date_format`` as a ``strptime`` format: ``%m-%d-%Y`` as is, ``MM-DD-YYYY`` translated."""
    fmt = text.strip()
    if "%" not in fmt:
        for token, directive in _DATE_TOKENS:
            fmt = fmt.replace(token, directive)
    if not all(d in fmt for d in ("%Y", "%d")) or not any(m in fmt for m in ("%m", "%b", "%B")):
        raise fail(
            f"'date_format' {text!r} must name a year, a month and a day, "
            'e.g. "MM-DD-YYYY" or "%d/%m/%Y"'
        )
    return fmt


def _parse_section(entry: Any, index: int, fail: Any) -> SectionSpec:
    where = f"sections[{index}]"
    if not isinstance(entry, dict):
        raise fail(f"{where} must be a table ([[sections]])")
    unknown = set(entry) - _SECTION_KEYS
    if unknown:
        raise fail(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_SECTION_KEYS)}")
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise fail(f"{where}: 'key' must be lower-case letters, digits, - or _ (e.g. topic)")
    title = entry.get("title", key)
    aliases = entry.get("aliases", [])
    patterns = entry.get("patterns", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise fail(f"{where} ({key}): 'aliases' must be a list of strings")
    link_list = entry.get("link_list")
    if link_list is not None and not isinstance(link_list, bool):
        raise fail(f"{where} ({key}): 'link_list' must be true or false")
    compiled = []
    for pattern in patterns:
        try:
            # Matched against the folded heading: NFKC, case-folded, spaces removed.
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except (re.error, TypeError) as exc:
            raise fail(
                f"{where} ({key}): pattern {pattern!r} is not a regular expression: {exc}"
            ) from None
    return SectionSpec(
        key=key,
        title=str(title),
        aliases=tuple(aliases),
        patterns=tuple(compiled),
        headlines=bool(entry.get("headlines", True)),
        link_list=link_list,
    )
