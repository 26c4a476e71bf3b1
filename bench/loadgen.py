"""The load generator of the answer benchmark: signed webhooks at a fixed rate or at most.

Requests are built and signed as they are sent (HMAC-SHA256 like LINE and Slack do), each
with a request id the bot's reply carries back to the fake API: the LINE reply token, the
Slack ``response_url`` key. The fake API process reports each reply's arrival (see
``bench/answer_fakes.py``) on a Unix datagram socket; latency is arrival minus the moment
the request was handed to the socket, both ``time.monotonic()`` (one clock on Linux).

- ``fixed(rate, seconds)``: open loop; request i goes out at start + i / rate whether or not
  earlier ones were answered (a slow bot can't slow the load down, as with real users);
- ``saturate(concurrency, seconds)``: closed loop; ``concurrency`` answers outstanding at any
  time, a new request as soon as an answer arrives: the most the bot can answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp

USERS = 50_000  # distinct readers (LINE users; Slack users in 20 channels)
ANSWER_TIMEOUT = 10.0  # seconds after which an unanswered request counts as an error


@dataclass(frozen=True)
class Kind:
    """One kind of request of the mix."""

    name: str
    platform: str  # line or slack
    text: str  # the text typed, or the postback data
    postback: bool = False


def mix(next_part: str) -> list[Kind]:
    """The benchmark's mix, in equal shares."""
    return [
        Kind("line 最新トピック", "line", "最新トピック"),
        Kind("line 編集後記", "line", "編集後記"),
        Kind("line next part", "line", next_part, postback=True),
        Kind("slack /haishin latest topic", "slack", "latest topic"),
    ]


@dataclass
class Sample:
    kind: str
    sent: float
    status: int = 0
    answered: float | None = None
    reply_status: int = 0
    acked: float | None = None  # when the bot's HTTP response came back


@dataclass
class Result:
    """What one run measured."""

    seconds: float
    samples: list[Sample] = field(default_factory=list)
    late_sends: int = 0

    def summary(self) -> dict[str, object]:
        done = [s for s in self.samples if s.answered is not None and s.reply_status == 200]
        latencies = sorted((s.answered - s.sent) * 1000 for s in done)  # type: ignore[operator]
        errors: Counter[str] = Counter()
        for s in self.samples:
            if s.status != 200:
                errors[f"http {s.status}" if s.status else "connection"] += 1
            elif s.answered is None:
                errors["no answer"] += 1
            elif s.reply_status != 200:
                errors[f"reply {s.reply_status}"] += 1
        acks = sorted((s.acked - s.sent) * 1000 for s in self.samples if s.acked is not None)
        first = min((s.sent for s in self.samples), default=0.0)
        last = max((s.answered or 0.0 for s in done), default=first)
        span = max(self.seconds, last - first) or 1.0
        return {
            "sent": len(self.samples),
            "answered": len(done),
            "rps": len(done) / span,
            "p50": _pct(latencies, 50),
            "p95": _pct(latencies, 95),
            "p99": _pct(latencies, 99),
            "max": latencies[-1] if latencies else None,
            "ack_p99": _pct(acks, 99),
            "ack_max": acks[-1] if acks else None,
            "errors": sum(errors.values()),
            "error_kinds": dict(errors),
            "late_sends": self.late_sends,
            "by_kind": {
                kind: {
                    "sent": sum(1 for s in self.samples if s.kind == kind),
                    "answered": sum(1 for s in done if s.kind == kind),
                    "p99": _pct(
                        sorted((s.answered - s.sent) * 1000 for s in done if s.kind == kind),  # type: ignore[operator]
                        99,
                    ),
                    "ack_p99": _pct(
                        sorted(
                            (s.acked - s.sent) * 1000
                            for s in self.samples
                            if s.kind == kind and s.acked is not None
                        ),
                        99,
                    ),
                }
                for kind in sorted({s.kind for s in self.samples})
            },
        }


def _pct(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]


class Signer:
    """Builds signed LINE webhooks and Slack slash commands."""

    def __init__(self, line_secret: str, slack_secret: str, respond_base: str) -> None:
        self.line_secret = line_secret.encode()
        self.slack_secret = slack_secret.encode()
        self.respond_base = respond_base
        self._serial = itertools.count(1)

    def line(self, kind: Kind, rid: str, user: int) -> tuple[str, bytes, dict[str, str]]:
        event: dict[str, object] = {
            "type": "postback" if kind.postback else "message",
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": f"U{user:032x}"},
            "webhookEventId": f"01BENCH{rid.upper():0>19}"[-26:],
            "deliveryContext": {"isRedelivery": False},
            "replyToken": rid,
        }
        if kind.postback:
            event["postback"] = {"data": kind.text}
        else:
            serial = next(self._serial)
            event["message"] = {
                "type": "text",
                "id": str(10**17 + serial),
                "quoteToken": f"q{serial}",
                "text": kind.text,
            }
        body = json.dumps(
            {"destination": "U" + "f" * 32, "events": [event]}, ensure_ascii=False
        ).encode()
        signature = base64.b64encode(hmac.new(self.line_secret, body, hashlib.sha256).digest())
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-line-signature": signature.decode(),
        }
        return "/line/webhook", body, headers

    def slack(self, kind: Kind, rid: str, user: int) -> tuple[str, bytes, dict[str, str]]:
        fields = {
            "token": "deprecated",
            "team_id": "T0001",
            "team_domain": "bench",
            "channel_id": f"C{user % 20:08d}",
            "channel_name": "general",
            "user_id": f"U{user:08d}",
            "user_name": "reader",
            "command": "/haishin",
            "text": kind.text,
            "api_app_id": "A0HAISHIN",
            "is_enterprise_install": "false",
            "response_url": f"{self.respond_base}/respond/{rid}",
            "trigger_id": f"trigger.{rid}",
        }
        body = urlencode(fields).encode()
        stamp = str(int(time.time()))
        base = b"v0:" + stamp.encode() + b":" + body
        digest = hmac.new(self.slack_secret, base, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": f"v0={digest}",
        }
        return "/slack/events", body, headers

    def build(self, kind: Kind, rid: str, user: int) -> tuple[str, bytes, dict[str, str]]:
        return (self.line if kind.platform == "line" else self.slack)(kind, rid, user)


class Arrivals(asyncio.DatagramProtocol):
    """Receives the fake APIs' arrival datagrams and matches them to samples."""

    def __init__(self) -> None:
        self.waiting: dict[str, tuple[Sample, asyncio.Future[None] | None]] = {}
        self.unknown = 0

    def datagram_received(self, data: bytes, addr: object) -> None:
        rid, at, status = data.decode().split(" ")
        entry = self.waiting.pop(rid, None)
        if entry is None:
            self.unknown += 1  # a second message of one answer, or a straggler
            return
        sample, future = entry
        sample.answered, sample.reply_status = float(at), int(status)
        if future is not None and not future.done():
            future.set_result(None)


class LoadGenerator:
    """Sends the mix to one bot and collects the answers.

    Args:
        base_url: the bot (``http://127.0.0.1:PORT``).
        signer: builds the signed requests.
        kinds: the request mix (taken in turn).
        socket_path: where the fake APIs send arrival datagrams.
        connections: HTTP connections to the bot.
    """

    def __init__(
        self,
        base_url: str,
        signer: Signer,
        kinds: list[Kind],
        socket_path: str,
        *,
        connections: int = 128,
    ) -> None:
        self.base_url = base_url
        self.signer = signer
        self.kinds = kinds
        self.socket_path = socket_path
        self.connections = connections
        self.arrivals = Arrivals()
        self._run = itertools.count(1)
        self._transport: asyncio.DatagramTransport | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> LoadGenerator:
        with_socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        with_socket.bind(self.socket_path)
        with_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self.arrivals, sock=with_socket
        )
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=self.connections),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
        if self._transport is not None:
            self._transport.close()

    async def _send(self, sample: Sample, request: tuple[str, bytes, dict[str, str]]) -> None:
        assert self._session is not None
        path, body, headers = request
        try:
            async with self._session.post(self.base_url + path, data=body, headers=headers) as r:
                await r.read()
                sample.status = r.status
                sample.acked = time.monotonic()
        except (aiohttp.ClientError, TimeoutError):
            sample.status = 0

    def _next(
        self, run: int, seq: int, future: asyncio.Future[None] | None = None
    ) -> tuple[Sample, tuple[str, bytes, dict[str, str]]]:
        kind = self.kinds[seq % len(self.kinds)]
        rid = f"r{run}x{seq}"
        request = self.signer.build(kind, rid, seq * 7919 % USERS)
        sample = Sample(kind.name, time.monotonic())
        self.arrivals.waiting[rid] = (sample, future)
        return sample, request

    async def fixed(self, rate: float, seconds: float) -> Result:
        """Open loop at ``rate`` requests per second for ``seconds``."""
        run = next(self._run)
        result = Result(seconds)
        tasks: set[asyncio.Task[None]] = set()
        start = time.monotonic()
        total = int(rate * seconds)
        for seq in range(total):
            due = start + seq / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.01:
                result.late_sends += 1
            sample, request = self._next(run, seq)
            result.samples.append(sample)
            task = asyncio.create_task(self._send(sample, request))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await self._settle(result, tasks)
        return result

    async def saturate(self, concurrency: int, seconds: float) -> Result:
        """Closed loop: ``concurrency`` answers outstanding, for ``seconds``."""
        run = next(self._run)
        result = Result(seconds)
        seq = itertools.count()
        loop = asyncio.get_running_loop()
        stop = time.monotonic() + seconds

        async def reader() -> None:
            while time.monotonic() < stop:
                future: asyncio.Future[None] = loop.create_future()
                sample, request = self._next(run, next(seq), future)
                result.samples.append(sample)
                await self._send(sample, request)
                if sample.status == 200:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(future, ANSWER_TIMEOUT)

        await asyncio.gather(*(reader() for _ in range(concurrency)))
        await self._settle(result, set())
        return result

    async def _settle(self, result: Result, tasks: set[asyncio.Task[None]]) -> None:
        """Wait for sends and answers to come in (up to ``ANSWER_TIMEOUT``)."""
        if tasks:
            await asyncio.gather(*tasks)
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while time.monotonic() < deadline:
            if all(s.answered is not None or s.status != 200 for s in result.samples):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # the last datagrams
        self.arrivals.waiting.clear()
