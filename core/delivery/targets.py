"""Delivery targets as people write them: ``slack:TEAM/CHANNEL``, ``line:USER``, ``line:all``."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from core.errors import ConfigError

ALL = "all"
_SLACK_ID = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,63}$")
_LINE_USER = re.compile(r"^U[0-9a-f]{32}$")
_FORMS = "slack:TEAM/CHANNEL (e.g. slack:T0123/C0456), line:USER (a LINE user id) or line:all"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a subscription or a one-off send goes."""

    platform: str
    target: str
    workspace: str | None = None

    @property
    def address(self) -> str:
        """The written form (``slack:T1/C1``)."""
        where = f"{self.workspace}/{self.target}" if self.workspace else self.target
        return f"{self.platform}:{where}"

    @classmethod
    def parse(cls, text: str, *, others: Collection[str] = ()) -> Target:
        """Read a target; ConfigError with the accepted forms when it is not one.

        Args:
            text: the target as written.
            others: more platforms' keys (the bots' registry): a target there is
                ``name:TARGET``, taken as written.
        """
        platform, sep, rest = text.strip().partition(":")
        platform = platform.casefold()
        if not sep or not rest:
            raise ConfigError(f"target {text!r} is not one of {_FORMS}")
        if platform == "slack":
            team, slash, channel = rest.partition("/")
            if not slash or not _SLACK_ID.match(team) or not _SLACK_ID.match(channel):
                raise ConfigError(
                    f"Slack target {text!r} must be slack:TEAM/CHANNEL with the workspace "
                    "(team) id and the channel id, e.g. slack:T0123/C0456 (a channel's id is "
                    "at the bottom of its details in Slack)"
                )
            return cls("slack", channel, team)
        if platform == "line":
            if rest.casefold() == ALL:
                return cls("line", ALL)
            if not _LINE_USER.match(rest):
                raise ConfigError(
                    f"LINE target {text!r}: a user id is U followed by 32 hex digits "
                    "(from a webhook event), or write line:all for every follower"
                )
            return cls("line", rest)
        if platform in others:
            return cls(platform, rest)
        raise ConfigError(f"target {text!r}: unknown platform {platform!r}; use {_FORMS}")
