"""Digests into Slack channels: a parent message (the cover) and the posts as thread replies.

Every message carries Slack message metadata naming its delivery id, so a send whose answer
was lost (a timeout, a crash) is found again with ``find_sent`` instead of posted twice.
Slack has no idempotency key and may carry out a post after the client stopped waiting, so
such a send is looked up only once settled (``settling``: the send timeout plus a margin,
see ``core.delivery.attempt``), and a late second copy is deleted with chat.delete.
Sends to one channel are paced to about one a second (Slack's chat.postMessage limit); a
429 holds that channel back for its ``Retry-After``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

import aiohttp
from cachetools import LRUCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.metrics import Metrics
from bots.slack import errors
from bots.slack.render import SlackRenderer
from bots.slack.tokens import TokenSource
from core.errors import ConfigError, DeliveryError, MessageRejected, TokenDead
from core.model import Post
from core.overview import summarize
from core.ports import Audience, Digest, Publisher, SendJob, SentMessage, Settling
from core.profile import Profile
from core.ratelimit import KeyedRateLimiter
from core.splitting import split_issue

PARENT = "parent"
EVENT_TYPE = "haishin_delivery"
SEND_TIMEOUT_SECONDS = 15  # the default and the most (HAISHIN_SEND_TIMEOUT_SECONDS)
# The settle time, counted from when the client gave up, is the timeout plus this margin:
# 60 s, the usual front-end timeout of an HTTP API (AWS's load-balancer idle timeout,
# nginx's default), after which a request that reached Slack's edge is done or dropped.
SETTLE_MARGIN_SECONDS = 45
HISTORY_PAGES = 5  # how far back find_sent looks: 5 pages of 200 messages
_PLANS = 64


class SlackPublisher(Publisher):
    """Sends digests to Slack channels (implements ``core.ports.Publisher``).

    Args:
        renderer: draws the cover and the posts.
        profile: the newsletter profile (for the cover's section labels).
        tokens: finds each workspace's bot token.
        base_url: the Web API base URL (``SLACK_API_URL``); None for Slack's own.
        limiter: pacing per channel; default one message a second per channel.
        metrics: where send latency is recorded.
        timeout: seconds one API call may take.
        settle: seconds after a send ended without an answer until it can no longer land
            (default: ``timeout`` + ``SETTLE_MARGIN_SECONDS``; ``HAISHIN_SETTLE_SECONDS``).
    """

    platform: ClassVar[str] = "slack"

    def __init__(
        self,
        renderer: SlackRenderer,
        profile: Profile,
        tokens: TokenSource,
        *,
        base_url: str | None = None,
        limiter: KeyedRateLimiter | None = None,
        metrics: Metrics | None = None,
        timeout: int = SEND_TIMEOUT_SECONDS,
        settle: float | None = None,
    ) -> None:
        self.renderer = renderer
        self.profile = profile
        self.tokens = tokens
        self.base_url = base_url or AsyncWebClient.BASE_URL
        self.limiter = limiter or KeyedRateLimiter(rate=1.0, burst=1)
        self.metrics = metrics
        self.timeout = timeout
        seconds = timeout + SETTLE_MARGIN_SECONDS if settle is None else settle
        if seconds < timeout:
            raise ConfigError(
                f"HAISHIN_SETTLE_SECONDS={seconds:g} is shorter than the send timeout "
                f"({timeout} s, HAISHIN_SEND_TIMEOUT_SECONDS): a send still waiting for its "
                f"answer would count as settled; use at least {timeout}"
            )
        self.settling = Settling(timedelta(seconds=seconds))
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}
        # LRU: a fan-out sends one digest to every channel; the digests in use stay.
        self._plans: LRUCache[Digest, dict[str, Post]] = LRUCache(_PLANS)
        self._parents: LRUCache[Digest, dict[str, Any]] = LRUCache(_PLANS)

    # ------------------------------------------------------------------ the port

    def plan(self, digest: Digest) -> Sequence[str]:
        """``parent``, then one unit per post: ``section/item/part`` (e.g. ``topic/0/1``)."""
        return [PARENT, *self._posts(digest)]

    def messages(self, digest: Digest, unit: str) -> list[dict[str, Any]]:
        """The ``chat.postMessage`` body one unit posts (``send`` adds the delivery id and
        the thread), for a dry run."""
        if unit == PARENT:
            return [dict(self._parent(digest))]
        post = self._posts(digest).get(unit)
        return [self.renderer.post(post)] if post is not None else []

    async def send(self, job: SendJob) -> SentMessage:
        """Post one unit: the parent to the channel, a post into the parent's thread."""
        channel = _channel(job)
        body = self._body(job)
        if job.unit != PARENT and job.thread_ref:
            body["thread_ts"] = _ts(job.thread_ref)
        response = await self._call(job, channel, "chat_postMessage", channel=channel, **body)
        return SentMessage(ref=f"{response['channel']}:{response['ts']}")

    def pace(self, audience: Audience) -> float:
        """Seconds until the channel's pace lets the next post go."""
        return self.limiter.delay(_pace_key(audience))

    async def wait_pace(self, audience: Audience, *, ahead: float = 0.0) -> None:
        """Wait for the channel's pace (less ``ahead`` seconds), taking nothing."""
        await self.limiter.wait(_pace_key(audience), ahead=ahead)

    async def find_sent(self, job: SendJob) -> SentMessage | None:
        """Look for a message carrying this delivery id (the parent in the channel's history,
        a post in the parent's thread); None when it was never posted."""
        copies = await self._scan(job, every=False)
        return copies[0] if copies else None

    async def find_copies(self, job: SendJob) -> list[SentMessage]:
        """Every message carrying this delivery id, oldest first (two: a late duplicate)."""
        return await self._scan(job, every=True)

    async def _scan(self, job: SendJob, *, every: bool) -> list[SentMessage]:
        channel = _channel(job)
        client = await self._client(job.audience.workspace)
        in_thread = job.unit != PARENT and job.thread_ref is not None
        cursor: str | None = None
        joined = False
        pages = 0
        found: list[SentMessage] = []
        while pages < HISTORY_PAGES:
            args: dict[str, Any] = {
                "channel": channel,
                "include_all_metadata": True,
                "limit": 200,
            }
            if cursor:
                args["cursor"] = cursor
            try:
                if in_thread:
                    assert job.thread_ref is not None
                    page = await client.conversations_replies(ts=_ts(job.thread_ref), **args)
                else:
                    page = await client.conversations_history(**args)
            except SlackApiError as exc:
                code = errors.error_code(exc)
                if code == "thread_not_found":
                    return []
                if code == "not_in_channel" and not joined:
                    # Posting needs no membership (chat:write.public); reading history does.
                    joined = await self._join(client, channel)
                    if joined:
                        continue
                raise self._failed(job, exc, channel) from exc
            except errors.TRANSPORT_ERRORS as exc:
                raise errors.from_transport_error(exc, channel=channel) from exc
            pages += 1
            for message in page.get("messages") or ():
                if _delivery_id(message) == job.delivery_id:
                    revision = _revision(message)
                    found.append(SentMessage(f"{channel}:{message['ts']}", revision))
            if found and not every:
                break
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                break
        return sorted(found, key=lambda sent: float(_ts(sent.ref)))

    async def remove(self, job: SendJob, sent: SentMessage) -> bool:
        """Delete a duplicate copy with chat.delete (a bot may delete its own messages)."""
        channel, ts = sent.ref.split(":", 1)
        client = await self._client(job.audience.workspace)
        try:
            await client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as exc:
            if errors.error_code(exc) == "message_not_found":
                return False  # gone already (deleted by another look, or by a person)
            raise self._failed(job, exc, channel) from exc
        except errors.TRANSPORT_ERRORS as exc:
            raise errors.from_transport_error(exc, channel=channel) from exc
        return True

    async def _join(self, client: AsyncWebClient, channel: str) -> bool:
        try:
            await client.conversations_join(channel=channel)
        except SlackApiError:
            return False
        except errors.TRANSPORT_ERRORS:
            return False
        return True

    async def update(self, job: SendJob, sent: SentMessage) -> None:
        """Replace a sent message with the job's (corrected) content through chat.update."""
        channel, ts = sent.ref.split(":", 1)
        await self._call(job, channel, "chat_update", channel=channel, ts=ts, **self._body(job))

    async def close(self) -> None:
        """Close the HTTP connections (call at shutdown)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        self._clients.clear()

    # ------------------------------------------------------------------ helpers

    def _posts(self, digest: Digest) -> dict[str, Post]:
        posts = self._plans.get(digest)
        if posts is None:
            split = split_issue(digest.chosen(), self.renderer.limits)
            posts = {f"{p.section_key}/{p.item}/{p.part}": p for p in split}
            self._plans[digest] = posts
        return posts

    def _parent(self, digest: Digest) -> dict[str, Any]:
        # Every channel of a fan-out gets the same parent: summarised and rendered once.
        body = self._parents.get(digest)
        if body is None:
            overview = summarize(digest.issue, self.profile, digest.sections)
            body = self._parents[digest] = self.renderer.digest(overview, threaded=True)
        return body

    def _body(self, job: SendJob) -> dict[str, Any]:
        if job.unit == PARENT:
            body = dict(self._parent(job.digest))
        else:
            post = self._posts(job.digest).get(job.unit)
            if post is None:
                raise MessageRejected(
                    f"unit {job.unit!r} is not part of this digest any more (the issue was "
                    "corrected and split differently)",
                    platform="slack",
                    code="unknown_unit",
                )
            body = self.renderer.post(post)
        body["metadata"] = {
            "event_type": EVENT_TYPE,
            "event_payload": {
                "delivery_id": job.delivery_id,
                "unit": job.unit,
                "revision": job.digest.revision,
            },
        }
        body["unfurl_links"] = False
        body["unfurl_media"] = False
        return body

    async def _call(self, job: SendJob, target: str, method: str, **args: Any) -> Any:
        workspace = job.audience.workspace
        client = await self._client(workspace)
        key = f"{workspace or '-'}/{target}"
        await self.limiter.acquire(key)
        started = time.perf_counter()
        try:
            return await getattr(client, method)(**args)
        except SlackApiError as exc:
            failure = self._failed(job, exc, target)
            if failure.retry_after:
                self.limiter.defer(key, failure.retry_after)
            elif failure.retryable:
                # A server error: its retry (a look at the history, maybe a post) need not
                # wait out the channel's pace; Slack tolerates the short burst if it did post.
                self.limiter.refund(key)
            raise failure from exc
        except errors.TRANSPORT_ERRORS as exc:
            raise errors.from_transport_error(exc, channel=target) from exc
        finally:
            if self.metrics is not None:
                self.metrics.send_latency.labels("slack").observe(time.perf_counter() - started)

    def _failed(self, job: SendJob, exc: SlackApiError, channel: str) -> DeliveryError:
        failure = errors.from_api_error(exc, channel=channel)
        if isinstance(failure, TokenDead):
            self.tokens.forget(job.audience.workspace)
            self._clients.clear()
        return failure

    async def _client(self, workspace: str | None) -> AsyncWebClient:
        token = await self.tokens.token(workspace)
        client = self._clients.get(token)
        if client is None:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=self.timeout)
                )
            # No SDK retries: a retried post whose first answer was lost would be posted
            # twice. The delivery ledger retries, after find_sent has looked.
            client = AsyncWebClient(
                token=token,
                base_url=self.base_url,
                session=self._session,
                timeout=self.timeout,
                retry_handlers=[],
            )
            self._clients[token] = client
        return client


def _pace_key(audience: Audience) -> str:
    target = audience.recipients[0] if len(audience.recipients) == 1 else ""
    return f"{audience.workspace or '-'}/{target}"


def _channel(job: SendJob) -> str:
    recipients = job.audience.recipients
    if len(recipients) != 1 or not recipients[0]:
        raise DeliveryError(
            f"a Slack send goes to exactly one channel, got {list(recipients)}",
            platform="slack",
            retryable=False,
            code="bad_audience",
        )
    return recipients[0]


def _ts(ref: str) -> str:
    return ref.split(":", 1)[1] if ":" in ref else ref


def _revision(message: dict[str, Any]) -> int | None:
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    value = payload.get("revision")
    return value if isinstance(value, int) else None


def _delivery_id(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return None
    payload = metadata.get("event_payload") or {}
    value = payload.get("delivery_id")
    return str(value) if value is not None else None
