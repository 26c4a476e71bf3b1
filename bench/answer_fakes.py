"""The fake LINE and Slack APIs of the answer benchmark, in a process of their own.

Run by ``bench/bench_answers.py`` (not by hand): ``python bench/answer_fakes.py --notify PATH``
prints ``line URL`` and ``slack URL`` lines, then serves until SIGTERM.

Both are the test fakes (``tests/fakes``) with their bookkeeping kept flat for long runs, plus
one thing: every reply call that arrives (a LINE ``/v2/bot/message/reply``, a Slack
``response_url`` post) is stamped with ``time.monotonic()`` on arrival, which on Linux is one
clock for every process of the machine, and reported at once as a datagram
``"<request id> <seconds> <status>"`` to the driver's Unix socket ``PATH``. The request id is
the LINE reply token or the Slack ``response_url`` key the load generator chose.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes import slack_blockkit  # noqa: E402
from tests.fakes.line_api import FakeLineApi  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402

LINE_TOKEN = "bench-line-token"
SLACK_TOKEN = "xoxb-bench-token"
HISTORY = 2000  # calls the LINE fake keeps: enough to look at, flat over a soak


class Notifier:
    """Sends arrival datagrams to the driver (thread-safe: one socket per thread)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def __call__(self, request_id: str, at: float, status: int) -> None:
        sock = getattr(self._local, "sock", None)
        if sock is None:
            sock = self._local.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with contextlib.suppress(OSError):  # the driver went away; the fake goes on
            sock.sendto(f"{request_id} {at:.6f} {status}".encode(), self.path)


class TimedLineApi(FakeLineApi):
    """The fake LINE API, reporting each reply call's arrival."""

    def __init__(self, notify: Notifier, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.notify = notify

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        response = await super()._handle(request)
        if request.path == "/v2/bot/message/reply":
            try:
                token = json.loads(await request.read())["replyToken"]
            except (ValueError, KeyError):
                token = "?"
            self.notify(str(token), arrived, response.status)
        return response


class TimedSlackApi(FakeSlackAPI):
    """The fake Slack API; ``response_url`` posts are checked, reported and not kept."""

    def __init__(self, notify: Notifier, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.notify = notify

    async def _respond(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        body = await request.json()
        found = slack_blockkit.problems(body.get("blocks"), text=body.get("text"))
        status = 400 if found else 200
        if found:
            with self._lock:
                self.violations.extend(found[:3])
                del self.violations[:-100]
        self.notify(request.match_info["key"], arrived, status)
        if found:
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok", content_type="text/plain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notify", required=True, help="the driver's Unix datagram socket")
    args = parser.parse_args()
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    notify = Notifier(args.notify)
    line = TimedLineApi(notify, token=LINE_TOKEN, validate=False, history=HISTORY).start()
    slack = TimedSlackApi(notify, token=SLACK_TOKEN).start()
    print(f"line {line.url}", flush=True)
    print(f"slack {slack.base}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        slack.stop()
        line.stop()


if __name__ == "__main__":
    main()
