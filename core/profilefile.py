"""``newsletter.toml`` as written: every key of the profile and of its tables, checked once.

``ProfileFile`` and ``SectionTable`` describe the file (``FeedTable`` its ``[feed]``);
``read_profile`` turns parsed TOML into a ``Profile``, or raises one ``ConfigError`` with a
line for each mistake (``newsletter.toml: 'stats_days' must be…``), file and key first.
"""

from __future__ import annotations

import difflib
import re
from datetime import time
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, available_timezones

from annotated_types import Interval
from pydantic import (
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.errors import ConfigError
from core.feeds.table import FeedTable
from core.profile import MAX_STATS_DAYS, STATS_DAYS, Profile, SectionSpec
from core.slot import WeeklySlot, parse_time, parse_zone
from core.tomlmodel import Table, checked, explained, problems

_UTC = ZoneInfo("UTC")
_DATE_TOKENS = (("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("HH", "%H"), ("mm", "%M"))


def _zone(value: Any) -> ZoneInfo:
    try:
        return parse_zone(str(value))
    except ConfigError:
        near = difflib.get_close_matches(str(value), sorted(available_timezones()), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ConfigError(
            f"timezone {value!r} is not an IANA zone name{hint}; use e.g. Asia/Tokyo or "
            "Europe/Berlin"
        ) from None


def _publish_time(value: Any) -> time:
    if isinstance(value, time) and not (value.second or value.microsecond or value.tzinfo):
        return value  # TOML's own local time, publish_time = 07:00:00
    return parse_time(str(value), what="publish_time")


def _date_format(value: Any) -> str:
    """``date_format`` as a ``strptime`` format: ``%m-%d-%Y`` as is, ``MM-DD-YYYY`` translated."""
    if not isinstance(value, str):
        raise ConfigError("'date_format' must be text, e.g. \"MM-DD-YYYY\"")
    fmt = value.strip()
    if "%" not in fmt:
        for token, directive in _DATE_TOKENS:
            fmt = fmt.replace(token, directive)
    if not all(d in fmt for d in ("%Y", "%d")) or not any(m in fmt for m in ("%m", "%b", "%B")):
        raise ConfigError(
            f"'date_format' {value!r} must name a year, a month and a day, "
            'e.g. "MM-DD-YYYY" or "%d/%m/%Y"'
        )
    return fmt


def _patterns(value: Any) -> tuple[re.Pattern[str], ...]:
    if not isinstance(value, list):
        raise ConfigError("'patterns' must be a list of regular expressions, e.g. ['Q\\d+']")
    compiled = []
    for pattern in value:
        try:
            # Matched against the folded heading: NFKC, case-folded, spaces removed.
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except (re.error, TypeError) as exc:
            raise ConfigError(f"pattern {pattern!r} is not a regular expression: {exc}") from None
    return tuple(compiled)


class SectionTable(Table):
    """One ``[[sections]]`` entry: how to recognise a section's heading and name it."""

    label_key = "key"

    key: Annotated[
        str,
        StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9_-]*$"),
        explained("'key' must be lower-case letters, digits, - or _ (e.g. topic)"),
    ] = Field("", validate_default=True)
    title: Annotated[StrictStr | None, explained("'title' must be text")] = None
    aliases: Annotated[tuple[StrictStr, ...], explained("'aliases' must be a list of strings")] = ()
    patterns: Annotated[tuple[re.Pattern[str], ...], checked(_patterns)] = ()
    headlines: Annotated[StrictBool, explained("'headlines' must be true or false")] = True
    link_list: Annotated[StrictBool | None, explained("'link_list' must be true or false")] = None

    @model_validator(mode="before")
    @classmethod
    def _a_table(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("must be a table: [[sections]] then key = …, title = …")
        return data

    def spec(self) -> SectionSpec:
        """The section as the parsers and bots see it."""
        return SectionSpec(
            key=self.key,
            title=self.key if self.title is None else self.title,
            aliases=self.aliases,
            patterns=self.patterns,
            headlines=self.headlines,
            link_list=self.link_list,
        )


class ProfileFile(Table):
    """Every key ``newsletter.toml`` may hold at its top level; only ``name`` is required."""

    name: Annotated[
        str,
        StringConstraints(strict=True, strip_whitespace=True, min_length=1),
        explained("'name' is required: the newsletter's name as readers know it"),
    ] = Field("", validate_default=True)
    language: Annotated[
        StrictStr, explained('\'language\' must be a language code, e.g. "en" or "ja"')
    ] = "en"
    timezone: Annotated[ZoneInfo, checked(_zone)] = _UTC
    publish_time: Annotated[time, checked(_publish_time)] = time(7, 0)
    digest_slot: WeeklySlot | None = None
    target_post_chars: Annotated[
        StrictInt,
        Interval(ge=200, le=4000),
        explained("'target_post_chars' must be a whole number from 200 to 4000"),
    ] = 1000
    drop_trailing: Annotated[
        tuple[StrictStr, ...], explained("'drop_trailing' must be a list of strings")
    ] = ()
    date_format: Annotated[str | None, checked(_date_format)] = None
    stats_days: Annotated[
        StrictInt,
        Interval(ge=0, le=MAX_STATS_DAYS),
        explained(
            f"'stats_days' must be a whole number of days from 0 (keep no reading stats) "
            f"to {MAX_STATS_DAYS}, e.g. stats_days = {STATS_DAYS}"
        ),
    ] = STATS_DAYS
    sections: tuple[SectionTable, ...] = ()
    feed: FeedTable | None = None

    @field_validator("digest_slot", mode="plain")
    @classmethod
    def _slot(cls, value: Any, info: ValidationInfo) -> WeeklySlot | None:
        if value is None or value == "":
            return None
        try:  # in the profile's zone; a wrong zone is said on its own line
            return WeeklySlot.parse(str(value), info.data.get("timezone", _UTC))
        except ConfigError as exc:
            raise ValueError(f"digest_slot: {exc}") from None

    @field_validator("sections", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError("'sections' must be a list of tables, each starting [[sections]]")
        return value

    @model_validator(mode="after")
    def _keys_unique(self) -> Self:
        keys = [section.key for section in self.sections]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"section keys must be unique: {twice} used more than once")
        return self

    def profile(self) -> Profile:
        """The profile the rest of haishin reads."""
        return Profile(
            name=self.name,
            language=self.language,
            timezone=self.timezone,
            publish_time=self.publish_time,
            digest_slot=self.digest_slot,
            target_post_chars=self.target_post_chars,
            drop_trailing=self.drop_trailing,
            sections=tuple(section.spec() for section in self.sections),
            feed=None if self.feed is None else self.feed.config(),
            date_format=self.date_format,
            stats_days=self.stats_days,
        )


def read_profile(raw: Any, source: str) -> Profile:
    """A Profile from parsed TOML.

    Raises:
        ConfigError: one line for each mistake, ``SOURCE: key …: what is wrong, how to
            write it`` (several keys wrong: several lines).
    """
    try:
        return ProfileFile.model_validate(raw).profile()
    except ValidationError as exc:
        lines = problems(exc, ProfileFile, raw)
        raise ConfigError("\n".join(f"{source}: {line}" for line in lines)) from None
