"""What the fake LINE API records and keeps: calls, accepted sends, faults, its state."""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Call:
    """One request the fake received, and what it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float
    peer: str | None = None  # the client's address (which host sent it, in multi-host runs)

    @property
    def json(self) -> Any:
        """The request body parsed as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def retry_key(self) -> str | None:
        """The ``X-Line-Retry-Key`` header, if sent."""
        return self.headers.get("x-line-retry-key")


@dataclass(frozen=True)
class Delivery:
    """A send LINE accepted: who it reached and what."""

    endpoint: str  # reply, push, multicast, broadcast, narrowcast
    to: tuple[str, ...]  # user ids; ("all",) for a broadcast; the reply token for a reply
    messages: list[dict[str, Any]]
    request_id: str
    retry_key: str | None


@dataclass
class Fault:
    path: str
    status: int
    times: int
    retry_after: float | None
    accept: bool
    message: str


@dataclass
class State:
    history: int | None = None
    calls: deque[Call] = field(default_factory=deque)
    deliveries: deque[Delivery] = field(default_factory=deque)
    retry_keys: dict[str, str] = field(default_factory=dict)
    reply_tokens: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.calls = deque(maxlen=self.history)
        self.deliveries = deque(maxlen=self.history)

    def spend(self, token: str) -> bool:
        """Use a reply token; False when it was used before."""
        if token in self.reply_tokens:
            return False
        self.reply_tokens[token] = None
        if self.history is not None and len(self.reply_tokens) > self.history:
            self.reply_tokens.popitem(last=False)
        return True

    faults: list[Fault] = field(default_factory=list)
    windows: dict[str, deque[float]] = field(default_factory=dict)
    usage: int = 0
    rich_menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    default_rich_menu: str | None = None


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"message": message},
        status=status,
        headers={"X-Line-Request-Id": uuid.uuid4().hex, **(headers or {})},
    )


def fault_response(fault: Fault) -> web.Response:
    headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
    return error_response(fault.status, fault.message, headers)
