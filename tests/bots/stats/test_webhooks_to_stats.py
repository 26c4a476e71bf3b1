"""Reading stats end to end: signed LINE postbacks and texts and signed Slack slash commands
and block actions go through the ASGI app of ``haishin serve``, a digest goes out through the
ledger to both platforms, and ``haishin stats --json`` (the real command, in a process of its
own) reads the counts back, on SQLite and PostgreSQL. LINE's own numbers come from the fake
LINE API's insight endpoints, checked against ``insight.yml``."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bots.bootstrap import DeliveryKit, Services, bootstrap, build_delivery, build_platforms
from bots.line.app import LinePlatform
from bots.server import create_app
from bots.settings import Settings
from bots.slack.publisher import SlackPublisher
from core.clock import FixedClock
from core.ingest import ingest_paths
from core.ratelimit import KeyedRateLimiter
from core.storage import SubscriptionRepository
from tests.conftest import CONTENT, ROOT, SAMPLE
from tests.fakes.line_api import FakeLineApi, users
from tests.fakes.line_webhook import LineWebhookBuilder
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_inbound import SlackInbound

SLACK_SECRET = "stats-signing-secret"
LINE_SECRET = "stats-line-secret"
LINE_TOKEN = "stats-line-token"
# A day after the sample issue's publication time (2025-10-04 07:00 in Tokyo).
NOW = datetime(2025, 10, 5, 3, 0, tzinfo=UTC)
FRIENDS = users(3)
CLI_SECONDS = 120
SETTLE_SECONDS = 30
WRITERS = ("stats-writes", "conversation-writes")  # write-behind, not answers


@dataclass
class Stack:
    """haishin with Slack and LINE on, its fakes, and what drives it."""

    services: Services
    http: httpx.AsyncClient
    line: FakeLineApi
    slack: FakeSlackAPI
    hooks: LineWebhookBuilder
    inbound: SlackInbound
    platform: LinePlatform
    kit: DeliveryKit
    clock: FixedClock
    env: dict[str, str]
    workdir: Path

    async def line_events(self, *events: dict[str, Any]) -> None:
        request = self.hooks.request(*events)
        response = await self.http.post(
            "/line/webhook", content=request.body, headers=request.headers
        )
        assert response.status_code == 200, response.text
        assert self.platform.queue is not None
        await self.platform.queue.join()

    async def slack_request(self, request: Any) -> None:
        """Post a signed Slack request; wait for the listener tasks it started (Bolt acks
        first and answers in tasks of its own)."""
        before = asyncio.all_tasks()
        response = await self.http.post(
            "/slack/events", content=request.body, headers=request.headers
        )
        assert response.status_code == 200, response.text
        started = [
            t
            for t in asyncio.all_tasks() - before
            if not t.done() and t.get_name() not in WRITERS and not _waiting_for_an_event(t)
        ]
        if started:
            await asyncio.wait_for(asyncio.gather(*started), SETTLE_SECONDS)

    async def stats(self, *args: str) -> dict[str, Any]:
        """``haishin stats ... --json`` as an operator runs it, once what was counted is
        written."""
        await self.services.stats.flush()
        command = [sys.executable, "-c", "from bots.cli import main; main()", "stats", *args]
        process = await asyncio.create_subprocess_exec(
            *command,
            "--json",
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), CLI_SECONDS)
        assert process.returncode == 0, err.decode()
        document: dict[str, Any] = json.loads(out)
        return document


def _waiting_for_an_event(task: asyncio.Task[Any]) -> bool:
    """A task parked on an ``asyncio.Event`` for the app's whole life (a worker's wake-up)."""
    coroutine = task.get_coro()
    return getattr(coroutine, "__qualname__", "") == "Event.wait"


@pytest.fixture
async def stack(tmp_path: Path, database_url: str) -> AsyncIterator[Stack]:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    with FakeSlackAPI() as slack, FakeLineApi(token=LINE_TOKEN, friends=len(FRIENDS)) as line:
        values = {
            "HAISHIN_DATABASE_URL": database_url,
            "HAISHIN_CONTENT_DIR": str(content),
            "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.url,
            "LINE_CHANNEL_SECRET": LINE_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "LINE_API_URL": line.url,
        }
        settings = Settings(
            _env_file=None,
            database_url=database_url,
            content_dir=content,
            slack_signing_secret=SLACK_SECRET,
            slack_bot_token=slack.token,
            slack_client_id=None,
            slack_client_secret=None,
            slack_api_url=slack.url,
            line_channel_secret=LINE_SECRET,
            line_channel_access_token=LINE_TOKEN,
            line_api_url=line.url,
            admin_token=None,
        )
        clock = FixedClock(NOW)
        services = await bootstrap(settings, clock=clock)
        try:
            report = await ingest_paths(
                [content / "issues" / SAMPLE.name],
                profile=services.profile,
                db=services.db,
                content_dir=content,
                clock=clock,
            )
            assert report.ok, report.errors
            platforms = build_platforms(services)
            publisher = platforms["slack"].publisher
            assert isinstance(publisher, SlackPublisher)
            publisher.limiter = KeyedRateLimiter(1000.0, 100)  # no real second per post
            line_platform = platforms["line"]
            assert isinstance(line_platform, LinePlatform)
            kit = build_delivery(services, platforms)
            app = create_app(services, platforms=platforms)
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("HAISHIN_", "SLACK_", "LINE_"))
            }
            env |= values | {"PYTHONPATH": str(ROOT)}
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="https://h.test"
                ) as http:
                    yield Stack(
                        services,
                        http,
                        line,
                        slack,
                        LineWebhookBuilder(LINE_SECRET),
                        SlackInbound(SLACK_SECRET),
                        line_platform,
                        kit,
                        clock,
                        env,
                        tmp_path,
                    )
        finally:
            await services.close()


async def deliver_issue(stack: Stack) -> None:
    """The sample goes to a Slack channel and, by broadcast, to every LINE friend."""
    subscriptions = SubscriptionRepository(stack.services.db, clock=stack.clock)
    for existing in await subscriptions.list(platform="line"):
        await subscriptions.remove(existing.id)  # made at start, after the sample's time
    await subscriptions.add(platform="line", workspace=None, target="all", starts_after=0)
    await subscriptions.add(platform="slack", workspace="T0001", target="C0001", starts_after=0)
    await stack.kit.worker.register()
    assert await stack.kit.publishing.publish_due() == [1]
    handover = await stack.kit.publishing.hand_over_on_publish()
    assert handover is not None and handover.rows
    await stack.kit.worker.drain()
    assert [d.endpoint for d in stack.line.deliveries if d.endpoint != "reply"] == ["broadcast"]


def platform_counts(document: dict[str, Any], platform: str) -> dict[str, dict[str, Any]]:
    return {s["key"]: s["platforms"][platform] for s in document["sections"]}


async def test_what_readers_do_is_counted_and_reported(stack: Stack) -> None:
    follows = [stack.hooks.follow(user) for user in FRIENDS]
    await stack.line_events(*follows)
    await deliver_issue(stack)
    one, two, three = FRIENDS

    # LINE: typed words, the "読む" button, its "next part", the issue, searches.
    await stack.line_events(stack.hooks.text(one, "最新トピック"))
    await stack.line_events(stack.hooks.postback(two, "cmd:ja:issue 1 topic"))
    await stack.line_events(stack.hooks.postback(two, "cmd:ja:issue 1 topic p2"))
    await stack.line_events(stack.hooks.postback(three, "cmd:ja:issue 1 afterword"))
    await stack.line_events(stack.hooks.text(three, "第1号"))
    await stack.line_events(stack.hooks.text(one, "検索 ファイザー"))
    await stack.line_events(stack.hooks.text(two, "検索　ファイザー "))  # the same, spaced
    await stack.line_events(stack.hooks.text(three, "検索 量子コンピューター"))
    await stack.line_events(stack.hooks.text(one, "ヘルプ"))  # not a read
    await stack.line_events(stack.hooks.unfollow(three))

    # Slack: a slash command, a section button, "Next", and a share (not a read).
    slack = stack.inbound
    await stack.slack_request(
        slack.command("latest topic", response_url=stack.slack.response_url("a"))
    )
    await stack.slack_request(slack.action("haishin_cmd_0", "ja|issue 1 articles"))
    await stack.slack_request(slack.action("haishin_next", "ja|issue 1 topic p2"))
    await stack.slack_request(
        slack.action(
            "haishin_share",
            "ja|issue 1 shorts p1",
            response_url=stack.slack.response_url("b"),
            ephemeral=True,
        )
    )

    document = await stack.stats("1")
    assert document["issue"]["number"] == 1
    line = platform_counts(document, "line")
    assert [s["key"] for s in document["sections"]] == ["topic", "articles", "shorts", "afterword"]
    assert line["topic"] == {"delivered": None, "opened": 1, "asked": 1, "pages": 1}
    assert line["afterword"] == {"delivered": None, "opened": 1, "asked": 0, "pages": 0}
    assert line["articles"] == {"delivered": None, "opened": 0, "asked": 0, "pages": 0}
    slack_counts = platform_counts(document, "slack")
    assert slack_counts["topic"] == {"delivered": 1, "opened": 0, "asked": 1, "pages": 1}
    assert slack_counts["articles"] == {"delivered": 1, "opened": 1, "asked": 0, "pages": 0}
    assert slack_counts["shorts"] == {"delivered": 1, "opened": 0, "asked": 0, "pages": 0}
    issue = document["issue"]["platforms"]
    assert (issue["line"]["asked"], issue["line"]["opened"]) == (1, 0)
    # Slack has no read receipts; LINE has not counted its broadcast yet.
    for platform in ("slack", "line"):
        assert issue[platform]["unique_impressions"] is None
        assert issue[platform]["delivered"] is None
    assert document["searches"] == [{"query": "ファイザー", "count": 2, "hits": 1}]
    assert document["zero_hit_searches"] == [{"query": "量子コンピューター", "count": 1, "hits": 0}]
    [day] = document["followers"]
    assert (day["date"], day["follows"], day["unfollows"]) == ("2025-10-05", 3, 1)
    assert day["friends"] is None  # LINE's count of the day: not fetched yet

    # A day later LINE has counted the broadcast, and the day's friends.
    stack.clock.advance(timedelta(days=1, minutes=1))
    stack.line.follower_counts["20251005"] = {
        "status": "ready",
        "followers": 3,
        "targetedReaches": 0,
        "blocks": 1,
    }
    assert stack.platform.insight is not None
    done = await stack.platform.insight.run_once()
    assert done.fetched == 1
    event_calls = stack.line.calls("/v2/bot/insight/message/event")
    assert event_calls and all(c.status == 200 for c in event_calls)
    document = await stack.stats("1")
    line = platform_counts(document, "line")
    assert {key: c["delivered"] for key, c in line.items()} == dict.fromkeys(
        ["topic", "articles", "shorts", "afterword"], 3
    )
    assert document["issue"]["platforms"]["line"]["delivered"] == 3
    assert document["issue"]["platforms"]["line"]["unique_impressions"] is None  # under 20
    assert document["issue"]["platforms"]["slack"]["unique_impressions"] is None
    [day] = document["followers"]
    assert (day["friends"], day["blocks"]) == (3, 1)

    metrics = stack.services.metrics.render().decode()
    assert 'haishin_reads_total{platform="line",section="topic"} 3.0' in metrics
    assert 'haishin_searches_total{outcome="none",platform="line"} 1.0' in metrics
    assert 'haishin_follower_events_total{event="unfollow",platform="line"} 1.0' in metrics
