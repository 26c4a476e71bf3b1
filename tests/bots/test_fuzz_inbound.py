"""Fuzz: bodies and headers made up by hypothesis, at both webhooks and the console's forms.

The property, for every request: a 4xx or a correct answer, never a 5xx; no traceback in the
log; and nothing sent to Slack or LINE unless the request was signed as the platform signs
(a signed request may be a real question, which gets its real answer).

One app serves every example (Slack and LINE on, against their fakes; the console without a
token, as ``serve`` runs it by default); the budget is small, so the whole file takes seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bots.bootstrap import Services, bootstrap, build_platforms
from bots.platform import Platform
from bots.server import create_app
from bots.settings import Settings
from core.clock import FixedClock
from core.ingest import ingest_paths
from tests.bots.line.conftest import NOW
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.line_api import FakeLineApi
from tests.fakes.line_webhook import sign as line_sign
from tests.fakes.slack_api import FakeSlackAPI

SLACK_SECRET = "fuzz-signing-secret"
LINE_SECRET = "fuzz-channel-secret"
LINE_TOKEN = "fuzz-channel-token"
EXAMPLES = 100
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Tasks that live as long as the app, and the stats write-behind (a second's pause before it
# writes the counts together); everything else a request started must finish.
LONG_LIVED = re.compile(r"^(slack-dedupe|line-dedupe|line-worker-\d+|stats-writes)$")

# ---- strategies --------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
SLACK_TYPES = [
    "event_callback",
    "block_actions",
    "url_verification",
    "view_submission",
    "shortcut",
    "app_rate_limited",
    "nonsense",
]
EVENT_TYPES = ["app_mention", "message", "app_home_opened", "app_uninstalled", "tokens_revoked"]
slack_events = st.fixed_dictionaries(
    {"type": st.sampled_from(EVENT_TYPES)},
    optional={
        "text": st.text(max_size=40),
        "channel": st.text(max_size=12),
        "user": st.text(max_size=12),
        "ts": st.text(max_size=20),
        "channel_type": st.sampled_from(["im", "channel"]) | st.text(max_size=5),
        "thread_ts": json_values,
    },
)
slack_shaped = st.fixed_dictionaries(
    {"type": st.sampled_from(SLACK_TYPES) | json_values},
    optional={
        "event": slack_events | json_values,
        "event_id": st.text(max_size=12) | json_values,
        "team_id": st.text(max_size=8) | json_values,
        "actions": st.lists(json_values, max_size=2) | json_values,
        "user": json_values,
        "team": json_values,
        "container": json_values,
        "challenge": st.text(max_size=20),
        "authorizations": json_values,
    },
)
command_fields = st.dictionaries(
    st.sampled_from(
        ["command", "text", "channel_id", "user_id", "team_id", "trigger_id", "ssl_check", "x"]
    ),
    st.text(max_size=30),
)
RESPONSE_URL = "RESPONSE-URL"  # replaced by the fake's response_url when sent
ids = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=9)
real_commands = st.fixed_dictionaries(
    {
        "command": st.just("/haishin"),
        "text": st.text(max_size=40),
        "channel_id": ids.map("C".__add__),
        "user_id": ids.map("U".__add__),
        "team_id": st.just("T0001"),
        "response_url": st.just(RESPONSE_URL),
    }
).map(lambda fields: urlencode(fields).encode())
real_mentions = st.builds(
    lambda text, channel, user, event_id: {
        "type": "event_callback",
        "team_id": "T0001",
        "event_id": "Ev" + event_id,
        "event": {
            "type": "app_mention",
            "text": "<@UBT0001> " + text,
            "channel": "C" + channel,
            "user": "U" + user,
            "ts": "1700000000.000100",
        },
    },
    st.text(max_size=40),
    ids,
    ids,
    ids,
).map(lambda value: json.dumps(value).encode())
slack_bodies = st.one_of(
    real_commands,
    real_mentions,
    st.binary(max_size=400),
    json_values.map(lambda value: json.dumps(value).encode()),
    slack_shaped.map(lambda value: json.dumps(value).encode()),
    command_fields.map(lambda fields: urlencode(fields).encode()),
    slack_shaped.map(lambda value: urlencode({"payload": json.dumps(value)}).encode()),
    st.text(max_size=60).map(lambda text: ("payload=" + text).encode()),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "",
        "multipart/form-data; boundary=x",
    ]
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
line_events = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "postback", "follow", "unfollow", "x"]) | json_values},
    optional={
        "source": json_values | st.fixed_dictionaries({"type": st.just("user")}),
        "message": json_values,
        "postback": json_values,
        "replyToken": st.text(max_size=10) | json_values,
        "timestamp": json_values,
        "mode": st.sampled_from(["active", "standby"]) | json_values,
        "webhookEventId": st.text(max_size=12) | json_values,
        "deliveryContext": json_values,
    },
)
line_bodies = st.one_of(
    st.binary(max_size=400),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {"events": st.lists(line_events, max_size=3) | json_values},
        optional={"destination": json_values},
    ).map(lambda value: json.dumps(value).encode()),
)
signing = st.sampled_from(["none", "wrong", "right", "stale", "garbage headers"])

# ---- the app -------------------------------------------------------------------------------


@dataclass
class Fuzzed:
    runner: asyncio.Runner
    services: Services
    http: httpx.AsyncClient
    slack: FakeSlackAPI
    line: FakeLineApi
    csrf: str
    platforms: dict[str, Platform]

    def sends(self) -> int:
        return len(self.slack.calls()) + len(self.line.calls())

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        async def run() -> httpx.Response:
            before = asyncio.all_tasks()
            response = await self.http.post(path, **kwargs)
            await settle(before, self.platforms)
            return response

        return self.runner.run(run())


async def settle(before: set[asyncio.Task[Any]], platforms: dict[str, Platform]) -> None:
    """Wait for what the request started (Bolt's listeners, LINE's queued events)."""
    for _ in range(50):
        pending = [
            task
            for task in asyncio.all_tasks() - before
            if task is not asyncio.current_task()
            and not task.done()
            and not LONG_LIVED.match(task.get_name())
            # a dedupe loop's pause (asyncio.wait_for runs it as a task of its own)
            and getattr(task.get_coro(), "__qualname__", "") != "Event.wait"
        ]
        if not pending:
            break
        await asyncio.wait(pending, timeout=10)
    for platform in platforms.values():
        queue = getattr(platform, "queue", None)
        if queue is not None:
            await queue.join()


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, slack: FakeSlackAPI, line: FakeLineApi) -> AsyncIterator[Any]:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    settings_ = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'haishin.db'}",
        content_dir=content,
        admin_token=None,
        slack_signing_secret=SLACK_SECRET,
        slack_bot_token=slack.token,
        slack_client_id=None,
        slack_client_secret=None,
        slack_api_url=slack.url,
        line_channel_secret=LINE_SECRET,
        line_channel_access_token=LINE_TOKEN,
        line_api_url=line.url,
    )
    services = await bootstrap(settings_, clock=FixedClock(NOW))
    try:
        await ingest_paths(
            sorted((content / "issues").iterdir()),
            profile=services.profile,
            db=services.db,
            content_dir=content,
            clock=services.clock,
        )
        platforms = build_platforms(services)
        app = create_app(services, platforms=platforms)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000"
            ) as http:
                page = await http.get("/try", headers={"accept": "text/html"})
                match = re.search(r'name="csrf" value="([^"]+)"', page.text)
                assert match
                yield services, http, match.group(1), platforms
    finally:
        await services.close()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    tmp_path = tmp_path_factory.mktemp("fuzz")
    with (
        FakeSlackAPI() as slack,
        FakeLineApi(token=LINE_TOKEN) as line,
        asyncio.Runner() as runner,
    ):
        context = serving(tmp_path, slack, line)
        services, http, csrf, platforms = runner.run(context.__aenter__())
        try:
            yield Fuzzed(runner, services, http, slack, line, csrf, platforms)
        finally:
            runner.run(context.__aexit__(None, None, None))


def no_traceback(records: list[logging.LogRecord]) -> None:
    found = [r for r in records if r.exc_info or "Traceback" in r.getMessage()]
    assert not found, [f"{r.name}: {r.getMessage()}" for r in found]


def slack_headers(body: bytes, how: str, content_type: str, garbage: str) -> dict[str, Any]:
    stamp = str(int(time.time()) - (600 if how == "stale" else 0))
    digest = hmac.new(SLACK_SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    headers: dict[str, Any] = {"content-type": content_type}
    if how in ("right", "stale"):
        headers |= {
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": "v0=" + digest.hexdigest(),
        }
    elif how == "wrong":
        headers |= {"x-slack-request-timestamp": stamp, "x-slack-signature": "v0=" + "0" * 64}
    elif how == "garbage headers":
        headers |= {
            "x-slack-request-timestamp": garbage.encode("latin-1"),
            "x-slack-signature": garbage.encode("latin-1"),
        }
    return headers


# ---- the properties -------------------------------------------------------------------------


def test_slack_events(fuzzed: Fuzzed, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    @FUZZ
    @given(body=slack_bodies, how=signing, content_type=content_types, garbage=header_text)
    def check(body: bytes, how: str, content_type: str, garbage: str) -> None:
        before = fuzzed.sends()
        body = body.replace(RESPONSE_URL.encode(), quote(fuzzed.slack.response_url()).encode())
        headers = slack_headers(body, how, content_type, garbage)
        response = fuzzed.post("/slack/events", content=body, headers=headers)
        event(f"{how}: {response.status_code}")
        assert response.status_code < 500, (response.status_code, response.text)
        if how != "right":
            assert response.status_code in (400, 401, 413)
            assert fuzzed.sends() == before
        no_traceback(caplog.records)

    check()


def test_line_webhook(fuzzed: Fuzzed, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    @FUZZ
    @given(body=line_bodies, how=signing, garbage=header_text)
    def check(body: bytes, how: str, garbage: str) -> None:
        before = fuzzed.sends()
        signature = {
            "right": line_sign(body, LINE_SECRET),
            "stale": line_sign(body, LINE_SECRET),  # LINE signs no time: as good as right
            "wrong": line_sign(body, "someone-else"),
            "garbage headers": garbage,
            "none": "",
        }[how]
        headers = {"content-type": "application/json"}
        if signature:
            headers["x-line-signature"] = signature.encode("latin-1")  # type: ignore[assignment]
        response = fuzzed.post("/line/webhook", content=body, headers=headers)
        event(f"{how}: {response.status_code}")
        assert response.status_code < 500, (response.status_code, response.text)
        if how not in ("right", "stale"):
            assert response.status_code == 400
            assert fuzzed.sends() == before
        no_traceback(caplog.records)

    check()


CONSOLE_FORMS = [
    "/try",
    "/preview",
    "/login",
    "/logout",
    "/issues/1/publish",
    "/issues/99999999999999999999/publish",
    "/issues/1/unschedule",
    "/issues/1/reschedule",
    "/deliveries/subscriptions/1/pause",
    "/deliveries/subscriptions/99999999999999999999/resume",
    "/deliveries/subscriptions/1/frobnicate",
]
form_fields = st.dictionaries(
    st.sampled_from(["text", "platform", "button", "label", "name", "token", "next", "x"]),
    st.text(max_size=50),
)


def test_console_forms(fuzzed: Fuzzed, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    @FUZZ
    @given(
        path=st.sampled_from(CONSOLE_FORMS),
        fields=form_fields,
        # Mostly what the console's own pages send, so the forms' own reading is reached.
        with_csrf=st.sampled_from([True, True, True, False]),
        raw=st.one_of(st.none(), st.none(), st.binary(max_size=300)),
        content_type=content_types,
        host=st.one_of(
            *[st.just("127.0.0.1:8000")] * 4,
            st.sampled_from(["localhost", "evil.example"]),
            header_text,
        ),
        origin=st.one_of(
            *[st.none()] * 4, st.sampled_from(["http://127.0.0.1:8000", "null"]), header_text
        ),
    )
    def check(
        path: str,
        fields: dict[str, str],
        with_csrf: bool,
        raw: bytes | None,
        content_type: str,
        host: str,
        origin: str | None,
    ) -> None:
        before = fuzzed.sends()
        headers: dict[str, Any] = {"host": host.encode("latin-1"), "accept": "text/html"}
        if origin is not None:
            headers["origin"] = origin.encode("latin-1")
        if raw is not None:
            headers["content-type"] = content_type
            response = fuzzed.post(path, content=raw, headers=headers)
        else:
            data = {**fields, **({"csrf": fuzzed.csrf} if with_csrf else {})}
            response = fuzzed.post(path, data=data, headers=headers)
        event(f"{path}: {response.status_code}")
        assert response.status_code < 500, (response.status_code, response.text[:500])
        assert fuzzed.sends() == before  # the console never sends to a platform
        no_traceback(caplog.records)

    check()
