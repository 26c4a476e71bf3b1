"""Fixtures for the delivery ledger: a recording publisher, issues, subscriptions, a worker."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

import pytest

from core.clock import FixedClock
from core.delivery import (
    BatchPlan,
    DeliveryStores,
    DeliveryWorker,
    Fanout,
    Publishing,
    RetryPolicy,
    WorkerSettings,
)
from core.errors import DeliveryError, MessageRejected, RetryAfter, Unavailable
from core.model import Issue
from core.ports import Digest, Publisher, SendJob, SentMessage
from core.serialize import content_hash
from core.storage import IssueRepository, Subscription, SubscriptionRepository
from core.storage.database import Database
from tests.core.storage.helpers import sample_issue

# Issue 1 is due at 07:00 Tokyo on 2025-10-04 (22:00 UTC the day before).
PUBLISH_AT = datetime(2025, 10, 3, 22, 0, tzinfo=UTC)
NOW = PUBLISH_AT + timedelta(minutes=5)


@dataclass
class Sent:
    delivery_id: str
    unit: str
    recipients: tuple[str, ...]
    thread_ref: str | None
    sections: tuple[str, ...]
    revision: int


class RecordingPublisher(Publisher):
    """A publisher that keeps what it was given: one parent then one unit per section.

    ``fail(...)`` queues failures for the next sends; ``applied=True`` records the send
    before failing (the platform took it but the answer was lost).
    """

    platform: ClassVar[str] = "slack"

    def __init__(self) -> None:
        self.sends: list[Sent] = []
        self.by_id: dict[str, SentMessage] = {}
        self.lookups: list[str] = []
        self.updates: list[tuple[str, str, int]] = []
        self.queued: list[tuple[DeliveryError, bool, str | None]] = []

    def plan(self, digest: Digest) -> Sequence[str]:
        return ["parent", *(s.key for s in digest.chosen().sections)]

    def fail(
        self,
        error: DeliveryError,
        *,
        times: int = 1,
        applied: bool = False,
        recipient: str | None = None,
    ) -> None:
        self.queued.extend([(error, applied, recipient)] * times)

    async def send(self, job: SendJob) -> SentMessage:
        for index, (error, applied, recipient) in enumerate(self.queued):
            if recipient is None or recipient in job.audience.recipients:
                del self.queued[index]
                if applied:
                    self._record(job)
                raise error
        return self._record(job)

    def _record(self, job: SendJob) -> SentMessage:
        self.sends.append(
            Sent(
                job.delivery_id,
                job.unit,
                job.audience.recipients,
                job.thread_ref,
                job.digest.sections,
                job.digest.revision,
            )
        )
        sent = SentMessage(ref=f"{job.audience.recipients[0]}:{len(self.sends)}")
        self.by_id[job.delivery_id] = sent
        return sent

    async def find_sent(self, job: SendJob) -> SentMessage | None:
        self.lookups.append(job.delivery_id)
        return self.by_id.get(job.delivery_id)

    async def update(self, job: SendJob, sent: SentMessage) -> None:
        self.updates.append((sent.ref, job.unit, job.digest.revision))

    def units_to(self, recipient: str) -> list[str]:
        return [s.unit for s in self.sends if recipient in s.recipients]

    def duplicates(self) -> list[str]:
        seen: dict[str, int] = {}
        for s in self.sends:
            seen[s.delivery_id] = seen.get(s.delivery_id, 0) + 1
        return [d for d, n in seen.items() if n > 1]


class RecordingLine(RecordingPublisher):
    platform: ClassVar[str] = "line"

    def plan(self, digest: Digest) -> Sequence[str]:
        return ["digest"]


def slack_error(code: str, *, retry_after: float | None = None) -> DeliveryError:
    """The typed error the Slack adapter raises for an error code."""
    message = f"Slack said {code}"
    if code == "ratelimited":
        return RetryAfter(message, platform="slack", retry_after=retry_after, code=code)
    if code == "internal_error":
        return Unavailable(message, platform="slack", retry_after=retry_after, code=code)
    return MessageRejected(message, platform="slack", code=code)


@dataclass
class World:
    """A migrated database with issue 1 stored, a clock, publishers and the services."""

    db: Database
    clock: FixedClock
    slack: RecordingPublisher
    line: RecordingLine
    followers: list[BatchPlan] = field(default_factory=list)
    fanout: Fanout = field(init=False)
    publishing: Publishing = field(init=False)
    subscriptions: SubscriptionRepository = field(init=False)
    issues: IssueRepository = field(init=False)

    def __post_init__(self) -> None:
        async def planner(sub: Subscription, available: tuple[str, ...]) -> list[BatchPlan]:
            return list(self.followers)

        self.fanout = Fanout(
            "週刊ビジネスレター", {"slack": self.slack, "line": self.line}, {"line": planner}
        )
        self.publishing = Publishing(self.db, self.fanout, clock=self.clock)
        self.subscriptions = SubscriptionRepository(self.db, clock=self.clock)
        self.issues = IssueRepository(self.db, clock=self.clock)

    def worker(self, **settings: object) -> DeliveryWorker:
        worker_settings = WorkerSettings(**settings)  # type: ignore[arg-type]
        return DeliveryWorker(
            DeliveryStores.over(
                self.db, clock=self.clock, worker_timeout=worker_settings.worker_timeout
            ),
            self.fanout,
            clock=self.clock,
            policy=RetryPolicy(rng=random.Random(7)),
            settings=worker_settings,
        )

    async def store(
        self, issue: Issue, *, key: str = "issues/1.txt", publish_at: datetime = PUBLISH_AT
    ) -> None:
        await self.issues.store(
            issue,
            source_key=key,
            content_hash=content_hash(issue),
            fmt="text",
            publish_at=publish_at,
        )

    async def subscribe(
        self,
        target: str = "C1",
        *,
        workspace: str | None = "T1",
        platform: str = "slack",
        sections: Sequence[str] = (),
        starts_after: int | None = 0,
    ) -> Subscription:
        return await self.subscriptions.add(
            platform=platform,
            workspace=workspace,
            target=target,
            sections=sections,
            starts_after=starts_after,
        )

    async def publish_and_hand_over(self) -> int:
        await self.publishing.publish_due()
        handover = await self.publishing.hand_over_on_publish()
        return handover.rows if handover else 0


def issue(number: int, day: date = date(2025, 10, 4), *, edit: str = "") -> Issue:
    base = sample_issue(day, number=number)
    if not edit:
        return base
    first = base.sections[0]
    item = dataclasses.replace(first.items[0], blocks=first.items[0].blocks[:1])
    edited = dataclasses.replace(first, items=(item, *first.items[1:]), title=first.title + edit)
    return dataclasses.replace(base, sections=(edited, *base.sections[1:]))


async def eventually(condition: Callable[[], bool], *, within: float = 30.0) -> None:
    """Wait (yielding to the loop) until ``condition`` holds; fail after ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def world(database: Database) -> World:
    w = World(database, FixedClock(NOW), RecordingPublisher(), RecordingLine())
    await w.store(issue(1))
    return w
