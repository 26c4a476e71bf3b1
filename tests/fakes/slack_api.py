"""A fake Slack Web API: a real HTTP server on loopback, for tests and benchmarks.

It runs aiohttp in a background thread with its own event loop, so it works under any test
(sync or async) and keeps answering while the code under test blocks its own loop. Point
``AsyncWebClient(base_url=fake.url)`` (or ``SLACK_API_URL``) at it.

What it does:

- serves the methods haishin calls (``auth.test``, ``chat.postMessage``, ``chat.postEphemeral``,
  ``chat.update``, ``chat.delete``, ``views.publish``, ``conversations.history``,
  ``conversations.replies``, ``conversations.join``, ``oauth.v2.access``) plus ``response_url``
  endpoints and an OAuth authorize page;
- checks the bearer token (``invalid_auth``, ``token_revoked``);
- checks every message against Block Kit limits (``invalid_blocks``, ``msg_blocks_too_long``) and
  keeps what it refused in ``violations``;
- records every call (``calls``) and every message (``messages``);
- fails on demand: ``fail(method, status=429, retry_after=3)``, ``fail(method, status=500)``,
  ``fail(method, error="channel_not_found")``, dropped connections, late answers, and sends
  that succeed but whose answer is lost (``applied=True``);
- optionally enforces chat.postMessage's one message per second per channel, and injects
  random 429/500 answers (``rate_limit``, ``chaos``) for benchmarks;
- lands some posts late (``late``): held past the client's timeout, then carried out, as a
  platform behind a load balancer may finish a request its client gave up on.

Example::

    with FakeSlackAPI() as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.url)
        ...
        assert slack.calls("chat.postMessage")[0].params["channel"] == "C1"
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import json
import math
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes import slack_blockkit
from tests.fakes.server import LoopbackServer

_PEER: contextvars.ContextVar[str | None] = contextvars.ContextVar("peer", default=None)

Json = dict[str, Any]


@dataclass
class Workspace:
    """A workspace the fake knows, with its bot's token and ids."""

    team_id: str
    name: str
    token: str
    bot_user_id: str
    bot_id: str
    app_id: str = "A0HAISHIN"
    scopes: str = "chat:write,commands"
    revoked: bool = False


@dataclass
class Call:
    """One request the fake answered."""

    method: str
    params: Json
    token: str | None
    status: int
    response: Json
    team_id: str | None = None
    at: float = field(default_factory=time.monotonic)  # when it was answered
    retry_after: float | None = None  # the Retry-After header sent, in seconds
    injected: bool = False  # a failure asked for (``fail``, ``chaos``), not the rate limit
    peer: str | None = None  # the client's address (which host sent it, in multi-host runs)


@dataclass
class Message:
    """A message posted to a channel (or a thread) through the fake."""

    team_id: str
    channel: str
    ts: str
    text: str
    blocks: list[Json] | None
    thread_ts: str | None = None
    metadata: Json | None = None
    user: str = ""
    bot_id: str = ""
    edited: bool = False

    def as_api(self, *, with_metadata: bool) -> Json:
        """The message as conversations.history returns it."""
        data: Json = {
            "type": "message",
            "ts": self.ts,
            "user": self.user,
            "bot_id": self.bot_id,
            "text": self.text,
        }
        if self.blocks is not None:
            data["blocks"] = self.blocks
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.edited:
            data["edited"] = {"user": self.user, "ts": self.ts}
        if with_metadata and self.metadata:
            data["metadata"] = self.metadata
        return data


@dataclass
class _Failure:
    method: str
    status: int
    error: str
    retry_after: float | None
    times: int | None
    channel: str | None
    drop: bool
    delay: float
    applied: bool


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class _Chaos:
    probability: float
    statuses: tuple[int, ...]
    methods: tuple[str, ...]
    rng: random.Random = field(default_factory=random.Random)
    retry_after_on_5xx: bool = True


@dataclass
class _Late:
    probability: float
    after: float
    spread: tuple[float, float]
    rng: random.Random


_NO_TOKEN_METHODS = {"oauth.v2.access", "api.test"}


class FakeSlackAPI(LoopbackServer):
    """A Slack Web API stand-in on ``127.0.0.1`` (see the module docstring).

    Args:
        token: the bot token of the default workspace.
        team_id: the default workspace's id.
        client_id / client_secret: what ``oauth.v2.access`` accepts.
        check_blocks: refuse messages outside Block Kit limits (as Slack does).
    """

    thread_name = "fake-slack-api"

    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        team_id: str = "T0001",
        client_id: str = "111.222",
        client_secret: str = "client-secret",
        check_blocks: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self.client_id = client_id
        self.client_secret = client_secret
        self.check_blocks = check_blocks
        self.violations: list[str] = []
        self.views: dict[str, Json] = {}
        self.redirect_uri: str | None = None
        self._lock = threading.Lock()
        self._workspaces: dict[str, Workspace] = {}
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], list[Message]] = defaultdict(list)
        self._ephemeral: list[Json] = []
        self._responses: dict[str, list[Json]] = defaultdict(list)
        self._failures: list[_Failure] = []
        self._codes: dict[str, Workspace] = {}
        self._next_install: Workspace | None = None
        self._rate: float | None = None
        self._burst = 1
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._chaos: _Chaos | None = None
        self._late: _Late | None = None
        self.landed_late = 0  # posts carried out after being held past the client's timeout
        self.holding = 0  # posts held right now (``late``)
        self._ts_base = int(time.time())
        self._ts_counter = 0
        self._seq = 0
        super().__init__()
        self.default = self.add_workspace(team_id, name="Test Workspace", token=token)

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The Web API base URL (``SLACK_API_URL``), ending in ``/api/``."""
        return f"{self.base}/api/"

    @property
    def authorize_url(self) -> str:
        """Where the OAuth install sends a browser (Slack's ``/oauth/v2/authorize``)."""
        return f"{self.base}/oauth/v2/authorize"

    @property
    def token(self) -> str:
        """The default workspace's bot token."""
        return self.default.token

    def application(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        app.router.add_get("/_fake/stats", self._stats)
        return app

    # ------------------------------------------------------------------ set-up

    def add_workspace(
        self, team_id: str, *, name: str | None = None, token: str | None = None
    ) -> Workspace:
        """Make a workspace known (with a bot token) and return it."""
        with self._lock:
            self._seq += 1
            workspace = Workspace(
                team_id=team_id,
                name=name or f"Workspace {team_id}",
                token=token or f"xoxb-{team_id}-{self._seq:04d}",
                bot_user_id=f"UB{team_id}",
                bot_id=f"BB{team_id}",
            )
            self._workspaces[workspace.token] = workspace
        return workspace

    def revoke(self, token: str) -> None:
        """Make a token answer ``token_revoked`` from now on."""
        with self._lock:
            self._workspaces[token].revoked = True

    def next_install(self, team_id: str, *, name: str | None = None) -> None:
        """The workspace the next OAuth install (``oauth.v2.access``) creates."""
        with self._lock:
            self._seq += 1
            self._next_install = Workspace(
                team_id=team_id,
                name=name or f"Workspace {team_id}",
                token=f"xoxb-{team_id}-{self._seq:04d}",
                bot_user_id=f"UB{team_id}",
                bot_id=f"BB{team_id}",
            )

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: float | None = None,
        times: int | None = 1,
        channel: str | None = None,
        drop: bool = False,
        delay: float = 0.0,
        applied: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (``times=None``: until ``clear``).

        Args:
            method: e.g. ``chat.postMessage``.
            status: 429 (with ``retry_after``, default 1 s), 500..., or 200 with ``error``.
            error: the ``ok: false`` error code (default ``ratelimited`` for 429,
                ``internal_error`` otherwise).
            retry_after: seconds for the ``Retry-After`` header.
            times: how many calls fail; None for every call.
            channel: only calls for this channel.
            drop: close the connection without an answer.
            delay: answer this many seconds late.
            applied: carry the call out first (the message is posted), then fail: an
                in-doubt send.
        """
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            self._failures.append(
                _Failure(method, status, error, retry_after, times, channel, drop, delay, applied)
            )

    def rate_limit(self, per_second: float = 1.0, burst: int = 1) -> None:
        """Answer 429 to chat.postMessage beyond ``per_second`` per channel (as Slack does)."""
        with self._lock:
            self._rate, self._burst = per_second, burst

    def chaos(
        self,
        probability: float,
        *,
        statuses: tuple[int, ...] = (500, 429),
        methods: tuple[str, ...] = ("chat.postMessage",),
        seed: int = 0,
        retry_after_on_5xx: bool = True,
    ) -> None:
        """Fail a random ``probability`` share of calls with one of ``statuses``.

        Every injected answer says ``Retry-After: 1``, except 5xx ones when
        ``retry_after_on_5xx`` is False (Slack's own 5xx answers usually don't).
        """
        with self._lock:
            self._chaos = _Chaos(
                probability, statuses, methods, random.Random(seed), retry_after_on_5xx
            )

    def late(
        self,
        probability: float,
        *,
        after: float,
        spread: tuple[float, float] = (1.0, 20.0),
        seed: int = 0,
    ) -> None:
        """Hold a random ``probability`` share of chat.postMessage calls for ``after``
        seconds (the client's timeout) plus ``spread`` more, then carry them out."""
        with self._lock:
            self._late = _Late(probability, after, spread, random.Random(seed))

    def clear(self) -> None:
        """Forget injected failures, rate limits, chaos and late landings (recorded data
        stays)."""
        with self._lock:
            self._failures.clear()
            self._rate = None
            self._chaos = None
            self._late = None

    def reset(self) -> None:
        """Forget recorded calls, messages, responses, views and violations too."""
        self.clear()
        with self._lock:
            self._calls.clear()
            self._messages.clear()
            self._ephemeral.clear()
            self._responses.clear()
            self.views.clear()
            self.violations.clear()

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first, optionally of one method."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str | None = None, *, team_id: str | None = None) -> list[Message]:
        """Messages posted (top level and in threads), oldest first."""
        with self._lock:
            found = [
                m
                for (team, chan), ms in self._messages.items()
                if (channel is None or chan == channel) and (team_id is None or team == team_id)
                for m in ms
            ]
        return sorted(found, key=lambda m: float(m.ts))

    def message_count(self) -> int:
        """How many messages were posted (cheap: for a benchmark polling progress)."""
        with self._lock:
            return sum(len(messages) for messages in self._messages.values())

    def ephemeral(self) -> list[Json]:
        """chat.postEphemeral bodies, oldest first."""
        with self._lock:
            return list(self._ephemeral)

    def response_url(self, key: str = "default") -> str:
        """A ``response_url`` on this fake; what is posted to it shows up in ``responses``."""
        return f"{self.base}/respond/{key}"

    def responses(self, key: str = "default") -> list[Json]:
        """Bodies posted to ``response_url(key)``, oldest first."""
        with self._lock:
            return list(self._responses.get(key, ()))

    def stats(self) -> Json:
        """Counts for benchmarks: calls by method and status, messages, duplicate deliveries
        (a delivery id in metadata posted more than once) and refused messages."""
        with self._lock:
            calls: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for call in self._calls:
                calls[call.method][str(call.status)] += 1
            seen: dict[str, int] = defaultdict(int)
            total = 0
            for messages in self._messages.values():
                total += len(messages)
                for message in messages:
                    payload = (message.metadata or {}).get("event_payload") or {}
                    if "delivery_id" in payload:
                        seen[str(payload["delivery_id"])] += 1
            return {
                "calls": {method: dict(by_status) for method, by_status in calls.items()},
                "messages": total,
                "deliveries": len(seen),
                "duplicates": sum(n - 1 for n in seen.values() if n > 1),
                "violations": len(self.violations),
            }

    def workspace(self, team_id: str) -> Workspace | None:
        """The newest known workspace with this id."""
        with self._lock:
            found = [w for w in self._workspaces.values() if w.team_id == team_id]
        return found[-1] if found else None

    # ------------------------------------------------------------------ HTTP side

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        _PEER.set(request.remote)
        params = await _params(request)
        token = _bearer(request) or params.get("token")
        failure, chaos = self._take_failure(method, params.get("channel"))
        if failure is not None and failure.delay:
            await asyncio.sleep(failure.delay)
        if failure is not None and not failure.applied:
            return self._failed(request, method, params, token, failure)
        if chaos is not None:
            return self._answer(method, params, token, *_status_error(chaos), injected=True)
        hold = self._held(method)
        if hold:
            with self._lock:
                self.holding += 1
            try:
                await asyncio.sleep(hold)  # the client gives up; the post still goes in below
            finally:
                with self._lock:
                    self.holding -= 1
                    self.landed_late += 1
        workspace = None
        if method not in _NO_TOKEN_METHODS:
            workspace = self._workspaces.get(str(token))
            if workspace is None or workspace.revoked:
                error = "token_revoked" if workspace else "invalid_auth"
                return self._answer(method, params, token, 200, {"ok": False, "error": error})
            limited = self._rate_limited(method, workspace, params)
            if limited is not None:
                return self._answer(
                    method, params, token, 429, {"ok": False, "error": "ratelimited"}, limited
                )
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            body: Json = {"ok": False, "error": "unknown_method"}
        else:
            body = handler(params, workspace, request)
        if failure is not None:  # applied: the effect happened, the answer goes wrong
            return self._failed(request, method, params, token, failure)
        return self._answer(method, params, token, 200, body, team=workspace)

    def _held(self, method: str) -> float:
        with self._lock:
            late = self._late
            if late is None or method != "chat.postMessage":
                return 0.0
            if late.rng.random() >= late.probability:
                return 0.0
            return late.after + late.rng.uniform(*late.spread)

    def _take_failure(self, method: str, channel: Any) -> tuple[_Failure | None, _Failure | None]:
        with self._lock:
            for failure in self._failures:
                if failure.method == method and failure.channel in (None, channel):
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times <= 0:
                            self._failures.remove(failure)
                    return failure, None
            chaos = self._chaos
            if chaos and method in chaos.methods and chaos.rng.random() < chaos.probability:
                status = chaos.rng.choice(chaos.statuses)
                error = "ratelimited" if status == 429 else "internal_error"
                wait = 1 if status < 500 or chaos.retry_after_on_5xx else None
                return None, _Failure(method, status, error, wait, 1, None, False, 0, False)
        return None, None

    def _failed(
        self,
        request: web.Request,
        method: str,
        params: Json,
        token: Any,
        failure: _Failure,
    ) -> web.StreamResponse:
        if failure.drop:
            self._record(method, params, token, 0, {"dropped": True}, None, None, True)
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        return self._answer(method, params, token, *_status_error(failure), injected=True)

    def _rate_limited(self, method: str, workspace: Workspace, params: Json) -> float | None:
        if method != "chat.postMessage":
            return None
        with self._lock:
            if self._rate is None:
                return None
            key = (workspace.team_id, str(params.get("channel")))
            now = time.monotonic()
            bucket = self._buckets.setdefault(key, _Bucket(float(self._burst), now))
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return (1 - bucket.tokens) / self._rate

    def _answer(
        self,
        method: str,
        params: Json,
        token: Any,
        status: int,
        body: Json,
        retry_after: float | None = None,
        team: Workspace | None = None,
        *,
        injected: bool = False,
    ) -> web.Response:
        headers = {}
        told = None
        if retry_after is not None:
            told = max(1, math.ceil(retry_after))
            headers["Retry-After"] = str(told)
        self._record(method, params, token, status, body, team, told, injected)
        return web.json_response(body, status=status, headers=headers)

    def _record(
        self,
        method: str,
        params: Json,
        token: Any,
        status: int,
        body: Json,
        team: Any,
        retry_after: float | None = None,
        injected: bool = False,
    ) -> None:
        with self._lock:
            self._calls.append(
                Call(
                    method=method,
                    params=params,
                    token=None if token is None else str(token),
                    status=status,
                    response=body,
                    team_id=team.team_id if team else None,
                    retry_after=retry_after,
                    injected=injected,
                    peer=_PEER.get(),
                )
            )

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        found = slack_blockkit.problems(body.get("blocks"), text=body.get("text"))
        with self._lock:
            self._responses[request.match_info["key"]].append(body)
            if found:
                self.violations.extend(found)
        if found and self.check_blocks:
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok", content_type="text/plain")

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("client_id") != self.client_id:
            return web.Response(status=400, text="invalid client_id")
        redirect = query.get("redirect_uri") or self.redirect_uri
        if not redirect:
            return web.Response(status=400, text="no redirect_uri (set fake.redirect_uri)")
        with self._lock:
            self._seq += 1
            code = f"code-{self._seq}"
            installing = self._next_install
            self._next_install = None
        if installing is None:
            team_id = f"T{9000 + self._seq}"
            installing = Workspace(
                team_id, f"Workspace {team_id}", f"xoxb-{team_id}", f"UB{team_id}", f"BB{team_id}"
            )
        installing.scopes = query.get("scope", installing.scopes)
        with self._lock:
            self._codes[code] = installing
        target = f"{redirect}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        raise web.HTTPFound(target)

    # ------------------------------------------------------------------ methods

    def _m_api_test(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        return {"ok": True, "args": params}

    def _m_auth_test(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        assert ws is not None
        return {
            "ok": True,
            "url": f"https://{ws.team_id.lower()}.slack.com/",
            "team": ws.name,
            "user": "haishin",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "is_enterprise_install": False,
        }

    def _m_oauth_v2_access(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        client_id, secret = params.get("client_id"), params.get("client_secret")
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if (client_id, secret) != (self.client_id, self.client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            installing = self._codes.pop(str(params.get("code")), None)
            if installing is None:
                return {"ok": False, "error": "invalid_code"}
            self._workspaces[installing.token] = installing
        return {
            "ok": True,
            "app_id": installing.app_id,
            "authed_user": {"id": "UINSTALLER"},
            "scope": installing.scopes,
            "token_type": "bot",
            "access_token": installing.token,
            "bot_user_id": installing.bot_user_id,
            "team": {"id": installing.team_id, "name": installing.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _check(self, params: Json, surface: str = "message") -> Json | None:
        found = slack_blockkit.problems(
            params.get("blocks"), text=params.get("text"), surface=surface
        )
        if not found:
            return None
        with self._lock:
            self.violations.extend(found)
        if not self.check_blocks:
            return None
        error = "msg_blocks_too_long" if found[-1].startswith("msg_blocks") else "invalid_blocks"
        return {"ok": False, "error": error, "response_metadata": {"messages": found}}

    def _m_chat_postMessage(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        assert ws is not None
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        refused = self._check(params)
        if refused:
            return refused
        with self._lock:
            ts = self._next_ts()
            message = Message(
                team_id=ws.team_id,
                channel=str(channel),
                ts=ts,
                text=str(params.get("text") or ""),
                blocks=params.get("blocks"),
                thread_ts=params.get("thread_ts"),
                metadata=params.get("metadata"),
                user=ws.bot_user_id,
                bot_id=ws.bot_id,
            )
            self._messages[(ws.team_id, str(channel))].append(message)
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": message.as_api(with_metadata=True),
        }

    def _m_chat_postEphemeral(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        refused = self._check(params)
        if refused:
            return refused
        with self._lock:
            self._ephemeral.append(params)
            return {"ok": True, "message_ts": self._next_ts()}

    def _next_ts(self) -> str:
        # Slack ts values are unique per channel and sort as numbers; a counter keeps both.
        self._ts_counter += 1
        seconds, micros = divmod(self._ts_counter, 1_000_000)
        return f"{self._ts_base + seconds}.{micros:06d}"

    def _find(self, ws: Workspace, channel: Any, ts: Any) -> Message | None:
        for message in self._messages.get((ws.team_id, str(channel)), ()):
            if message.ts == ts:
                return message
        return None

    def _m_chat_update(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        assert ws is not None
        refused = self._check(params)
        if refused:
            return refused
        with self._lock:
            message = self._find(ws, params.get("channel"), params.get("ts"))
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            if message.bot_id != ws.bot_id:
                return {"ok": False, "error": "cant_update_message"}
            message.text = str(params.get("text") or "")
            message.blocks = params.get("blocks")
            if params.get("metadata") is not None:
                message.metadata = params.get("metadata")
            message.edited = True
        return {"ok": True, "channel": params["channel"], "ts": params["ts"], "text": message.text}

    def _m_chat_delete(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        assert ws is not None
        with self._lock:
            messages = self._messages.get((ws.team_id, str(params.get("channel"))), [])
            for message in messages:
                if message.ts == params.get("ts"):
                    messages.remove(message)
                    return {"ok": True, "channel": params["channel"], "ts": params["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _m_conversations_join(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        return {"ok": True, "channel": {"id": params.get("channel")}}

    def _m_conversations_history(
        self, params: Json, ws: Workspace | None, req: web.Request
    ) -> Json:
        assert ws is not None
        with self._lock:
            top = [
                m
                for m in self._messages.get((ws.team_id, str(params.get("channel"))), ())
                if not m.thread_ts or m.thread_ts == m.ts
            ]
        newest_first = sorted(top, key=lambda m: float(m.ts), reverse=True)
        if params.get("oldest"):
            newest_first = [m for m in newest_first if float(m.ts) > float(params["oldest"])]
        return _page(newest_first, params)

    def _m_conversations_replies(
        self, params: Json, ws: Workspace | None, req: web.Request
    ) -> Json:
        assert ws is not None
        with self._lock:
            channel = self._messages.get((ws.team_id, str(params.get("channel"))), [])
            ts = params.get("ts")
            parent = next((m for m in channel if m.ts == ts), None)
            if parent is None:
                return {"ok": False, "error": "thread_not_found"}
            thread = [parent, *(m for m in channel if m.thread_ts == ts and m.ts != ts)]
        return _page(sorted(thread, key=lambda m: float(m.ts)), params)

    def _m_views_publish(self, params: Json, ws: Workspace | None, req: web.Request) -> Json:
        view = params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        found = slack_blockkit.problems(view.get("blocks"), surface="home")
        if found:
            with self._lock:
                self.violations.extend(found)
            if self.check_blocks:
                return {
                    "ok": False,
                    "error": "invalid_blocks",
                    "response_metadata": {"messages": found},
                }
        with self._lock:
            self.views[str(params.get("user_id"))] = view
        return {"ok": True, "view": {"id": "V0001", **view}}


def _page(messages: list[Message], params: Json) -> Json:
    limit = max(1, min(int(params.get("limit") or 100), 1000))
    start = int(params.get("cursor") or 0)
    chunk = messages[start : start + limit]
    with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
    more = start + limit < len(messages)
    return {
        "ok": True,
        "messages": [m.as_api(with_metadata=with_metadata) for m in chunk],
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def _status_error(failure: _Failure) -> tuple[int, Json, float | None]:
    return failure.status, {"ok": False, "error": failure.error}, failure.retry_after


def _bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else None


async def _params(request: web.Request) -> Json:
    params: Json = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            params.update(dict(await request.post()))
    for key in ("blocks", "metadata", "view"):
        if isinstance(params.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(params[key])
    return params


def main(argv: list[str] | None = None) -> None:
    """Run the fake on its own (``python -m tests.fakes.slack_api``), e.g. for a benchmark
    that should not share a process with the code it measures; ``GET /_fake/stats`` reports."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--token", default="xoxb-test-token")
    parser.add_argument("--workspaces", type=int, default=0, help="extra workspaces T1..Tn")
    parser.add_argument("--rate-limit", type=float, default=None, help="messages/s per channel")
    parser.add_argument("--chaos", type=float, default=0.0, help="share of 429/500 answers")
    args = parser.parse_args(argv)
    fake = FakeSlackAPI(token=args.token).start()
    for n in range(1, args.workspaces + 1):
        fake.add_workspace(f"T{n}", token=f"xoxb-T{n}")
    if args.rate_limit:
        fake.rate_limit(args.rate_limit)
    if args.chaos:
        fake.chaos(args.chaos)
    print(fake.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
