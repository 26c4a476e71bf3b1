"""``LinePublisher``: digests to friends by push, multicast, broadcast or narrowcast, exactly once.

A digest is one Flex carousel (a bubble per section, each with a "読む" button that fetches
the section through a free reply). By default the section posts do not follow: every pushed
request costs one message per recipient, so sending them would multiply the quota used while
readers can pull exactly the sections they want for free. ``include_posts=True`` sends them
too, five posts a request.

Every send carries ``X-Line-Retry-Key`` = the job's delivery id from its first attempt, so a
retry after a timeout or a 5xx can't deliver twice; LINE answers 409 to a key it already
accepted, which counts as sent. LINE honours a key for 24 hours (``settling``): a unit in
doubt is resent with its key at once within them, and handed to the editor after them
(``core.delivery.attempt``), since a resend with an expired key could deliver twice. A
narrowcast (every friend but an audience of readers with their own digests) is sent and
followed by ``bots.line.narrowcast.Narrowcaster``; one in doubt is looked up by its request
id before any resend (``find_sent``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from cachetools import LRUCache

from bots.line.client import LineClient
from bots.line.errors import LineApiError, translate
from bots.line.flex import issue_command
from bots.line.narrowcast import Narrowcaster
from bots.line.quota import QuotaGuard
from bots.line.reach import is_narrowcast
from bots.line.render import MAX_MESSAGES, LineRenderer
from core.errors import DeliveryError, MessageRejected, RetryAfter
from core.model import Suggestion
from core.overview import summarize
from core.ports import Audience, Digest, Publisher, SendJob, SentMessage, Settling
from core.ratelimit import KeyedRateLimiter, Sleep
from core.splitting import split_issue

log = logging.getLogger("haishin.line")

MULTICAST_MAX = 500
DIGEST_UNIT = "digest"
POSTS_UNIT = "posts-"
# (rate per second, burst): just under LINE's documented limits, so that the burst plus a
# second's refill stays within any one-second (or one-hour) window.
RATES: dict[str, tuple[float, int]] = {
    "push": (1900.0, 100),
    "multicast": (190.0, 10),
    "broadcast": (59 / 3600, 1),
    "narrowcast": (59 / 3600, 1),
}
# How long to hold an endpoint back after a 429 that named no Retry-After.
BACKOFF = {"push": 1.0, "multicast": 1.0, "broadcast": 60.0, "narrowcast": 60.0}
SEND_PATH = "/v2/bot/message/{}"  # push, multicast, broadcast, narrowcast
QUOTA_PATH = "/v2/bot/message/quota"
CONSUMPTION_PATH = "/v2/bot/message/quota/consumption"

FollowerCount = Callable[[], Awaitable[int]]
_DRAWN = 32


class LinePublisher(Publisher):
    """Sends digests on LINE.

    Args:
        client: the LINE API clients.
        renderer: draws the carousel and posts.
        follower_count: how many people a broadcast reaches (for the quota check).
        narrowcaster: sends narrowcasts (None: a narrowcast audience is refused).
        include_posts: also send the section posts after the carousel.
        quota_refresh: seconds a quota reading stays good.
        now / sleep: time, injected (rate limits and quota refresh).
    """

    platform: ClassVar[str] = "line"
    # LINE de-duplicates resends carrying the same X-Line-Retry-Key for 24 hours.
    settling = Settling(timedelta(0), key_window=timedelta(hours=24))

    def __init__(
        self,
        client: LineClient,
        renderer: LineRenderer,
        *,
        follower_count: FollowerCount | None = None,
        narrowcaster: Narrowcaster | None = None,
        include_posts: bool = False,
        quota_refresh: float = 60.0,
        now: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.renderer = renderer
        self.include_posts = include_posts
        self._follower_count = follower_count
        self.narrowcaster = narrowcaster
        self._limiters = {
            endpoint: KeyedRateLimiter(rate, burst, now=now, sleep=sleep)
            for endpoint, (rate, burst) in RATES.items()
        }
        self.quota = QuotaGuard(self._read_quota, refresh=quota_refresh, now=now)
        # LRU: a fan-out sends each unit to many audiences; the units in use stay drawn.
        self._drawn: LRUCache[tuple[Digest, str], list[dict[str, Any]]] = LRUCache(_DRAWN)

    # ---- what a digest becomes ------------------------------------------------------------

    def plan(self, digest: Digest) -> Sequence[str]:
        """``["digest"]``, then ``posts-1``, ``posts-2``... (5 posts each) with posts on."""
        units = [DIGEST_UNIT]
        if self.include_posts:
            count = len(split_issue(digest.chosen(), self.renderer.limits))
            pages = (count + MAX_MESSAGES - 1) // MAX_MESSAGES
            units += [f"{POSTS_UNIT}{page}" for page in range(1, pages + 1)]
        return units

    def messages(self, digest: Digest, unit: str) -> list[dict[str, Any]]:
        """The message objects one unit sends (at most 5)."""
        issue = digest.chosen()
        if unit == DIGEST_UNIT:
            overview = summarize(issue, self.renderer.profile)
            carousel = self.renderer.digest(overview)
            buttons = [
                Suggestion(s.label, issue_command(overview.issue, s.key)) for s in overview.sections
            ]
            language = self.renderer.profile.language
            quick = self.renderer.quick_reply(buttons, None, language)
            return [{**carousel, "quickReply": quick} if quick else carousel]
        if unit.startswith(POSTS_UNIT) and unit[len(POSTS_UNIT) :].isdigit():
            page = int(unit[len(POSTS_UNIT) :])
            posts = split_issue(issue, self.renderer.limits)
            chunk = posts[(page - 1) * MAX_MESSAGES : page * MAX_MESSAGES]
            if chunk:
                return [self.renderer.post(post) for post in chunk]
        raise MessageRejected(
            f"LINE digest has no unit {unit!r} (known: {', '.join(self.plan(digest))})",
            platform="line",
            code="unknown_unit",
        )

    # ---- sending ----------------------------------------------------------------------------

    async def send(self, job: SendJob) -> SentMessage:
        """Send one unit to the job's audience (broadcast, push or multicast).

        Raises:
            DeliveryError: retryable for 429 / 5xx / timeouts; permanent for other refusals,
                a quota that would be exceeded, or an audience this publisher can't take.
        """
        endpoint = endpoint_for(job.audience)
        retry_key = _retry_key(job.delivery_id)
        messages = self._drawn_messages(job.digest, job.unit)
        count = await self._recipients(endpoint, job.audience)
        await self.quota.reserve(count, endpoint)
        await self._limiters[endpoint].acquire(endpoint)
        if endpoint == "narrowcast":
            return await self._narrowcast(job, messages, retry_key, count)
        request: dict[str, Any] = {"messages": messages, "notificationDisabled": False}
        if endpoint == "push":
            request["to"] = job.audience.recipients[0]
        elif endpoint == "multicast":
            request["to"] = list(job.audience.recipients)
        try:
            response = await self.client.post(
                SEND_PATH.format(endpoint), request, retry_key=retry_key
            )
        except LineApiError as exc:
            if exc.status == 409:  # this retry key was accepted before: it is delivered
                accepted = exc.headers.get("X-Line-Accepted-Request-Id", "")
                log.info("LINE %s %s: already accepted (409)", endpoint, job.delivery_id)
                return SentMessage(ref=f"line:{endpoint}:{accepted or retry_key}")
            error = translate(exc, endpoint, backoff=BACKOFF[endpoint])
            if isinstance(error, RetryAfter):
                self._limiters[endpoint].defer(endpoint, error.retry_after or BACKOFF[endpoint])
            if 400 <= exc.status < 500:
                self.quota.release(count)  # LINE sent nothing
            raise error from exc
        except Exception as exc:  # timeouts and dropped connections: LINE may have it
            raise translate(exc, endpoint) from exc
        request_id = response.headers.get("X-Line-Request-Id", "")
        if endpoint == "broadcast" and self.narrowcaster is not None:
            # Every friend got this one: no audience of left-out readers is needed now.
            await self.narrowcaster.groups.prune(keep=None)
        return SentMessage(ref=f"line:{endpoint}:{request_id or retry_key}")

    async def find_sent(self, job: SendJob) -> SentMessage | None:
        """A narrowcast an interrupted attempt made, looked up by its request id (other
        sends are safe to repeat: their retry key makes LINE answer 409)."""
        if self.narrowcaster is not None and is_narrowcast(job.audience.recipients):
            return await self.narrowcaster.find(job)
        return None

    async def _narrowcast(
        self, job: SendJob, messages: list[dict[str, Any]], retry_key: str, count: int
    ) -> SentMessage:
        if self.narrowcaster is None:
            raise DeliveryError(
                "LINE narrowcast is not set up in this process",
                platform="line",
                retryable=False,
                code="bad_audience",
            )
        try:
            return await self.narrowcaster.send(job, messages, retry_key)
        except DeliveryError as exc:
            if exc.code == "429" and exc.retryable:
                self._limiters["narrowcast"].defer("narrowcast", exc.retry_after or 60.0)
            if exc.code not in ("narrowcast_pending", "timeout", "network") and not (
                exc.code or ""
            ).startswith("5"):
                self.quota.release(count)  # LINE sent nothing
            raise

    async def update(self, job: SendJob, sent: SentMessage) -> None:
        """LINE can't edit a sent message; a correction reaches readers when they tap "読む"
        (answers always show the current revision), so nothing is resent."""
        log.info("LINE %s: sent messages can't be edited; correction not resent", sent.ref)

    def _drawn_messages(self, digest: Digest, unit: str) -> list[dict[str, Any]]:
        # A fan-out sends the same unit to many audiences: draw it once.
        key = (digest, unit)
        messages = self._drawn.get(key)
        if messages is None:
            messages = self._drawn[key] = self.messages(digest, unit)
        return messages

    async def _recipients(self, endpoint: str, audience: Audience) -> int:
        if endpoint not in ("broadcast", "narrowcast"):
            return len(audience.recipients)
        friends = await self._follower_count() if self._follower_count else 0
        if endpoint == "narrowcast":
            return max(0, friends - (len(audience.recipients) - 1))
        return friends

    async def _read_quota(self) -> tuple[int | None, int]:
        try:
            quota = await self.client.get(QUOTA_PATH)
            used = await self.client.get(CONSUMPTION_PATH)
        except Exception as exc:
            raise translate(exc, "quota check") from exc
        limit = int(quota.get("value") or 0) if quota.get("type") == "limited" else None
        return limit, int(used.get("totalUsage") or 0)


def endpoint_for(audience: Audience) -> str:
    """``broadcast`` for ``("all",)``, ``narrowcast`` for ``("all-except", ...)``, ``push``
    for one user, ``multicast`` for 2..500.

    Raises:
        DeliveryError: (permanent) another platform, no one, or over 500 users (batch them:
            see ``bots.line.reach.plan_friends``).
    """
    recipients = audience.recipients
    if audience.platform != "line":
        problem = f"a {audience.platform} audience"
    elif recipients == ("all",):
        return "broadcast"
    elif is_narrowcast(recipients):
        return "narrowcast"
    elif len(recipients) == 1:
        return "push"
    elif 2 <= len(recipients) <= MULTICAST_MAX:
        return "multicast"
    elif not recipients:
        problem = "an audience with no recipients"
    else:
        problem = f"{len(recipients)} recipients (a multicast takes at most {MULTICAST_MAX})"
    raise DeliveryError(
        f"LINE can't send to {problem}; plan them with bots.line.reach",
        platform="line",
        retryable=False,
        code="bad_audience",
    )


def _retry_key(delivery_id: str) -> str:
    try:
        return str(uuid.UUID(delivery_id))
    except ValueError:
        raise MessageRejected(
            f"delivery id {delivery_id!r} is not a UUID; LINE's X-Line-Retry-Key must be one",
            platform="line",
            code="bad_retry_key",
        ) from None
