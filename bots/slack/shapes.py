"""The fields of Slack's requests that Bolt and haishin's listeners read, with their types.

A correctly signed body comes from Slack, but signed is not well formed (and a leaked signing
secret signs anything): a body whose ``event`` is a list, or a slash command without its
channel, would raise inside Bolt's middleware or a listener. Checked here first, such a body
gets a 400 and one log line. Only what is read is described (for the events the manifest
subscribes to); every other field passes as it is.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator


class _Read(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Ref(_Read):
    """An interaction's ``team``, ``user`` or ``channel``."""

    id: str | None = None
    team_id: str | None = None


class _Said(_Read):
    """An ``app_mention`` or a direct message: where, by whom, what."""

    channel: str
    user: str
    text: str | None = None
    ts: str | None = None
    thread_ts: str | None = None


class _HomeOpened(_Read):
    user: str
    tab: str | None = None


class _TokensRevoked(_Read):
    tokens: dict[str, Any] | None = None


class _Event(_Read):
    type: str

    @model_validator(mode="after")
    def _as_read(self) -> _Event:
        fields = self.model_extra or {}
        spoken = self.type == "app_mention" or (
            self.type == "message"
            and fields.get("channel_type") == "im"
            and not fields.get("subtype")
            and not fields.get("bot_id")
        )
        if spoken:
            _Said.model_validate(fields)
        elif self.type == "app_home_opened":
            _HomeOpened.model_validate(fields)
        elif self.type == "tokens_revoked":
            _TokensRevoked.model_validate(fields)
        return self


class _Action(_Read):
    action_id: str
    value: str | None = None


class _Container(_Read):
    type: str | None = None
    channel_id: str | None = None
    is_ephemeral: bool | None = None
    thread_ts: str | None = None
    message_ts: str | None = None


class _Body(_Read):
    type: str | None = None
    team_id: str | None = None
    event_id: str | None = None
    event: _Event | None = None
    container: _Container | None = None
    team: _Ref | None = None
    user: _Ref | None = None
    channel: _Ref | None = None
    message: dict[str, Any] | None = None
    response_url: str | None = None
    # A slash command: form fields, all text.
    command: str | None = None
    channel_id: str | None = None
    user_id: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> _Body:
        if self.command is not None and not (self.channel_id and self.user_id):
            raise ValueError("a slash command without its channel_id and user_id")
        if self.type == "event_callback" and self.event is None:
            raise ValueError("an event_callback without its event")
        if self.type == "block_actions":
            actions = (self.model_extra or {}).get("actions")
            if not isinstance(actions, list) or not actions:
                raise ValueError("block_actions without actions")
            for action in actions:
                _Action.model_validate(action)
        return self


def unreadable(body: dict[str, Any]) -> str | None:
    """Why Bolt or a listener could not read this body, or None when they can."""
    try:
        _Body.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}"
    return None
