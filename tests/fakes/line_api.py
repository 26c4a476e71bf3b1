"""A fake LINE Messaging API: a real HTTP server on loopback, strict like the real one.

``FakeLineApi`` runs aiohttp in a background thread with its own event loop, so the code under
test talks to it over real HTTP through the real SDK (``LINE_API_URL=fake.url``). It

- checks the bearer token, and validates every request against LINE's official OpenAPI spec
  (``../shared/corpora/line-openapi/messaging-api.yml``, discriminators resolved) plus the
  rules the spec leaves out: text within 5,000 UTF-16 units, Flex bubble 30 KB / carousel
  50 KB and 12 bubbles, altText 400, labels (quick reply 20, Flex 40), single-use reply tokens,
  ``X-Line-Retry-Key`` only on push / multicast / narrowcast / broadcast;
- records every call (``calls``) and every accepted send (``deliveries``);
- keeps retry keys: a send repeated with an accepted key gets 409 and
  ``X-Line-Accepted-Request-Id``, as LINE answers;
- answers 429 / 500 / anything on demand (``fail_next``), or at random (``fault_rate``);
- enforces the documented per-endpoint rate limits when asked (``enforce_rate_limits``) and a
  monthly quota (``quota``), counting recipients as LINE does;
- serves quota, profile and rich menu endpoints (image upload on the api-data path), and
  the insight endpoints (``insight.yml``): message event statistics of its broadcasts
  (``message_events`` overrides them) and friend counts per day (``follower_counts``);
- keeps the account's friends (``friend_list``, see ``line_friends``): lists them
  (``/v2/bot/followers/ids``, or 403 for an account that isn't verified), keeps audience
  groups (``manage-audience.yml``, validated too) and narrowcasts to every friend a
  ``recipient`` selects, with their progress phases and LINE's audience minimum of 50.

Use it as a context manager or ``start()`` / ``stop()``; see ``tests/bots/line/conftest.py``.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, Self

from aiohttp import web

from tests.fakes.line_channel import WEBHOOK_TEST, Channel, channel_route, test_webhook
from tests.fakes.line_checks import RequestChecker
from tests.fakes.line_friends import Friends
from tests.fakes.line_insight import insight_route
from tests.fakes.line_records import (
    Call,
    Delivery,
    Fault,
    State,
    error_response,
    fault_response,
)
from tests.fakes.line_richmenus import rich_menu_route
from tests.fakes.server import LoopbackServer

LINE_DAY = timezone(timedelta(hours=9))  # LINE counts friends per day in Japan

__all__ = ["Call", "Delivery", "FakeLineApi", "iter_messages", "users"]

SEND_ENDPOINTS = ("push", "multicast", "narrowcast", "broadcast")
# Documented rate limits per endpoint (requests, window seconds); everything else 2,000/s.
RATE_LIMITS: dict[str, tuple[int, float]] = {
    "multicast": (200, 1.0),
    "broadcast": (60, 3600.0),
    "narrowcast": (60, 3600.0),
}
DEFAULT_RATE = (2000, 1.0)


class FakeLineApi(LoopbackServer):
    """The fake LINE Messaging API server.

    Args:
        token: the channel access token it accepts (``Authorization: Bearer ...``).
        validate: check bodies against the OpenAPI spec and LINE's extra limits.
        enforce_rate_limits: answer 429 beyond the documented per-endpoint rates.
        quota: the month's message limit (None: no limit, ``type: none``).
        usage: messages already used this month.
        friends: how many friends a broadcast reaches (for quota accounting) when
            ``friend_ids`` is not given.
        friend_ids: the friends' user ids: who a broadcast or narrowcast reaches, and what
            ``/v2/bot/followers/ids`` lists (see ``line_friends``).
        fault_rate: share of send requests answered 500 or 429 at random (benchmarks).
        seed: seed of that randomness.
        now: the clock the rate limits use, in seconds.
        history: keep only the last N calls, deliveries and reply tokens (soak tests, so the
            fake's own memory stays flat); None keeps everything.
        host: the address it listens on.
    """

    thread_name = "fake-line-api"
    backlog = 1024

    def __init__(
        self,
        *,
        token: str = "test-channel-token",
        validate: bool = True,
        enforce_rate_limits: bool = False,
        quota: int | None = None,
        usage: int = 0,
        friends: int = 0,
        friend_ids: list[str] | None = None,
        fault_rate: float = 0.0,
        seed: int = 0,
        now: Callable[[], float] = time.monotonic,
        history: int | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self.token = token
        self.validate = validate
        self.enforce_rate_limits = enforce_rate_limits
        self.quota = quota
        self.friends = friends
        self.friend_list = Friends(ids=list(friend_ids or []))
        self.fault_rate = fault_rate
        self.profiles: dict[str, dict[str, Any]] = {}
        # The channel as its consoles show it: bot info, webhook URL, Chat on or off.
        self.channel = Channel()
        # Insight answers a test sets: by request id, and by day (yyyyMMdd).
        self.message_events: dict[str, dict[str, Any]] = {}
        self.follower_counts: dict[str, dict[str, Any]] = {}
        self._random = random.Random(seed)
        self._now = now
        self.history = history
        self._state = State(history=history, usage=usage)
        self._lock = threading.Lock()
        self._checker: RequestChecker | None = None
        super().__init__()

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving on 127.0.0.1 (a free port); ``url`` is set when this returns."""
        if self.validate:
            self._checker = RequestChecker()
        return super().start()

    @property
    def url(self) -> str:
        """The API's base URL (``LINE_API_URL``)."""
        return self.base

    def application(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    # ---- what tests look at and steer --------------------------------------------------------

    def calls(self, path: str | None = None, method: str | None = None) -> list[Call]:
        """Recorded calls, optionally only those to ``path`` (exact) and ``method``."""
        with self._lock:
            calls = list(self._state.calls)
        return [
            c
            for c in calls
            if (path is None or c.path == path) and (method is None or c.method == method)
        ]

    @property
    def deliveries(self) -> list[Delivery]:
        """Every send LINE accepted, in order."""
        with self._lock:
            return list(self._state.deliveries)

    def messages_for(self, user_id: str) -> list[dict[str, Any]]:
        """Every message object pushed, multicast or broadcast to a user, in order."""
        return [
            message
            for d in self.deliveries
            if d.endpoint != "reply" and (user_id in d.to or d.to == ("all",))
            for message in d.messages
        ]

    def digests_for(self, user_id: str) -> int:
        """How many sends (not replies) reached a friend: a broadcast reaches every one."""
        return sum(
            1
            for d in self.deliveries
            if d.endpoint != "reply" and (user_id in d.to or d.to == ("all",))
        )

    def befriend(self, ids: Iterable[str], *, days: int = 4) -> None:
        """Make ``ids`` the account's friends, and let LINE's insight count them for the
        last ``days`` days (its days are Japan's), as an account whose friends haishin
        stored would look."""
        self.friend_list.ids = list(ids)
        today = datetime.now(LINE_DAY).date()
        for back in range(days):
            day = (today - timedelta(days=back)).strftime("%Y%m%d")
            count = len(self.friend_list.ids)
            self.follower_counts[day] = {"status": "ready", "followers": count, "blocks": 0}

    @property
    def reach(self) -> int:
        """How many friends a broadcast reaches."""
        return len(self.friend_list.ids) or self.friends

    def replies(self) -> list[Delivery]:
        """The accepted reply calls."""
        return [d for d in self.deliveries if d.endpoint == "reply"]

    @property
    def usage(self) -> int:
        """Messages counted against the monthly quota so far."""
        with self._lock:
            return self._state.usage

    @usage.setter
    def usage(self, value: int) -> None:
        with self._lock:
            self._state.usage = value

    @property
    def rich_menus(self) -> dict[str, dict[str, Any]]:
        """Created rich menus by id (the request body)."""
        with self._lock:
            return dict(self._state.rich_menus)

    def rich_menu_image(self, rich_menu_id: str) -> tuple[str, bytes] | None:
        """(content type, bytes) of a rich menu's uploaded image."""
        with self._lock:
            return self._state.images.get(rich_menu_id)

    @property
    def default_rich_menu(self) -> str | None:
        """The rich menu set as default, if any."""
        with self._lock:
            return self._state.default_rich_menu

    def fail_next(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        accept: bool = False,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``path`` with ``status``.

        With ``accept=True`` a send is accepted (delivered, retry key kept) before the error
        is answered: the case retry keys exist for (a 5xx or a timeout after LINE took it).
        """
        text = message or {429: "Too many requests", 409: "Conflict"}.get(
            status, "Internal server error"
        )
        with self._lock:
            self._state.faults.append(Fault(path, status, times, retry_after, accept, text))

    def reset(self) -> None:
        """Forget calls, deliveries, retry keys, faults and usage (not the profiles)."""
        with self._lock:
            self._state = State(history=self.history)

    # ---- the server ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        response = self._answer(request.method, request.path, request.query_string, headers, body)
        if request.method == "POST" and request.path == WEBHOOK_TEST and response.status == 200:
            response = await test_webhook(self.channel, body)
        call = Call(
            request.method,
            request.path,
            headers,
            body,
            response.status,
            self._now(),
            request.remote,
        )
        with self._lock:
            self._state.calls.append(call)
        return response

    def _answer(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> web.Response:
        if headers.get("authorization") != f"Bearer {self.token}":
            return error_response(
                401, "Authentication failed. Confirm that the access token is valid."
            )
        endpoint = _send_endpoint(path)
        if "x-line-retry-key" in headers:
            if endpoint not in SEND_ENDPOINTS:
                return error_response(400, "The retry key is not supported for this endpoint")
            if not _is_uuid(headers["x-line-retry-key"]):
                return error_response(400, "The retry key must be a UUID")
        if self._checker is not None:
            problem = self._checker.check(method, path, query, headers, body)
            if problem is not None:
                return error_response(404 if problem.startswith("404") else 400, problem[4:])
        with self._lock:
            limited = self._rate_limited(method, path)
            if limited is not None:
                return limited
            fault = self._take_fault(path)
            if fault is not None and not fault.accept:
                return fault_response(fault)
            response = self._route(method, path, query, headers, body, endpoint)
            if fault is not None and response.status < 300:
                return fault_response(fault)
            return response

    def _rate_limited(self, method: str, path: str) -> web.Response | None:
        endpoint = _send_endpoint(path) or path
        limit, window = RATE_LIMITS.get(endpoint, DEFAULT_RATE)
        if not self.enforce_rate_limits:
            return None
        stamps = self._state.windows.setdefault(f"{method} {endpoint}", deque())
        now = self._now()
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        if len(stamps) >= limit:
            return error_response(429, "The API rate limit has been exceeded. Try again later.")
        stamps.append(now)
        return None

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self._state.faults:
            if fault.path == path and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self._state.faults.remove(fault)
                return fault
        endpoint = _send_endpoint(path)
        if (
            self.fault_rate
            and endpoint in SEND_ENDPOINTS
            and self._random.random() < self.fault_rate
        ):
            status = self._random.choice((429, 500))
            return Fault(path, status, 1, 1.0 if status == 429 else None, False, "injected")
        return None

    def _route(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        endpoint: str | None,
    ) -> web.Response:
        if endpoint is not None and method == "POST":
            return self._send(endpoint, headers, json.loads(body))
        is_json = headers.get("content-type", "").startswith("application/json")
        document = json.loads(body) if body and is_json else None
        friends = self.friend_list.route(method, path, query, document)
        if friends is not None:
            return friends
        insight = insight_route(
            method,
            path,
            query,
            sent=list(self._state.deliveries),
            friends=self.reach,
            message_events=self.message_events,
            follower_counts=self.follower_counts,
        )
        if insight is not None:
            return insight
        channel = channel_route(self.channel, method, path, body)
        if channel is not None:
            return channel
        if path == "/v2/bot/message/quota" and method == "GET":
            if self.quota is None:
                return web.json_response({"type": "none"})
            return web.json_response({"type": "limited", "value": self.quota})
        if path == "/v2/bot/message/quota/consumption" and method == "GET":
            return web.json_response({"totalUsage": self._state.usage})
        if path.startswith("/v2/bot/profile/") and method == "GET":
            profile = self.profiles.get(path.rsplit("/", 1)[1])
            if profile is None:
                return error_response(404, "Not found")
            return web.json_response(profile)
        return rich_menu_route(self._state, method, path, headers, body)

    def _send(
        self, endpoint: str, headers: dict[str, str], request: dict[str, Any]
    ) -> web.Response:
        state = self._state
        retry_key = headers.get("x-line-retry-key")
        if retry_key is not None and retry_key in state.retry_keys:
            return error_response(
                409,
                "The retry key is already accepted",
                {"X-Line-Accepted-Request-Id": state.retry_keys[retry_key]},
            )
        if endpoint == "reply":
            token = request["replyToken"]
            if not state.spend(token):
                return error_response(400, "Invalid reply token")
            to: tuple[str, ...] = (token,)
        elif endpoint == "broadcast":
            to = ("all",)
        elif endpoint == "multicast":
            to = tuple(request["to"])
        elif endpoint == "narrowcast":
            return self._narrowcast(request, retry_key)
        else:
            to = (str(request.get("to", "")),)
        count = {"reply": 0, "broadcast": self.reach, "multicast": len(to)}.get(endpoint, 1)
        if self.quota is not None and count and state.usage + count > self.quota:
            return error_response(429, "You have reached your monthly limit.")
        state.usage += count
        request_id = uuid.uuid4().hex
        if retry_key is not None:
            state.retry_keys[retry_key] = request_id
        messages = request.get("messages", [])
        state.deliveries.append(Delivery(endpoint, to, messages, request_id, retry_key))
        answer: dict[str, Any] = {}
        if endpoint in ("reply", "push"):
            answer = {
                "sentMessages": [
                    {"id": str(i + 1), "quoteToken": "q"} for i in range(len(messages))
                ]
            }
        return web.json_response(answer, headers={"X-Line-Request-Id": request_id})

    def _narrowcast(self, request: dict[str, Any], retry_key: str | None) -> web.Response:
        # Accepted at once (202); who it reaches is decided here and shown by the progress
        # endpoint, which also reports a failure (too small an audience, no one to send to).
        state = self._state
        chosen, refused, error_code = self.friend_list.narrowcast(request)
        if refused is not None:
            return error_response(400, refused)
        count = len(chosen or ())
        if self.quota is not None and count and state.usage + count > self.quota:
            return error_response(429, "You have reached your monthly limit.")
        request_id = uuid.uuid4().hex
        if retry_key is not None:
            state.retry_keys[retry_key] = request_id
        self.friend_list.accepted(request_id, count, error_code)
        if chosen:
            state.usage += count
            messages = request.get("messages", [])
            to = tuple(sorted(chosen))
            state.deliveries.append(Delivery("narrowcast", to, messages, request_id, retry_key))
        return _narrowcast_answer(request_id)


def _narrowcast_answer(request_id: str) -> web.Response:
    return web.json_response({}, status=202, headers={"X-Line-Request-Id": request_id})


def _send_endpoint(path: str) -> str | None:
    prefix = "/v2/bot/message/"
    if path.startswith(prefix):
        name = path[len(prefix) :]
        if name in (*SEND_ENDPOINTS, "reply"):
            return name
    return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def users(count: int, prefix: str = "U") -> list[str]:
    """``count`` well-formed LINE user ids (``U`` + 32 hex digits), stable across runs."""
    return [f"{prefix}{index:032x}" for index in range(1, count + 1)]


def iter_messages(deliveries: Iterable[Delivery]) -> list[dict[str, Any]]:
    """All message objects of some deliveries, flattened."""
    return [m for d in deliveries for m in d.messages]
