"""What the bot does with each webhook event (run by the queue's workers, never the request).

Every event is handled at most once (``webhookEventId``, see ``bots.dedupe``: a
redelivery is recognised whichever process answered the original); ``standby`` events are
someone else's to answer. Answers go out with the event's reply token: free, and not
counted in the quota.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bots.dedupe import EventDeduplicator
from bots.line import PLATFORM
from bots.line.client import LineClient, segment
from bots.line.events import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    Source,
    UnfollowEvent,
)
from bots.line.followers import LineAudienceBook
from bots.line.postback import decode
from bots.line.render import LineRenderer, text_messages
from bots.line.replies import RECEIVED, ReplySender
from bots.line.subscriptions import FollowerSubscriptions
from bots.line.texts import language_for, say
from bots.metrics import Metrics
from core.clock import Clock
from core.commands import CommandEngine
from core.model import Reply, Suggestion
from core.stats import How, StatsRecorder
from core.storage.health import log_failure

log = logging.getLogger("haishin.line")

Messages = list[dict[str, Any]]
PROFILE_PATH = "/v2/bot/profile/{}"


@dataclass(frozen=True, slots=True)
class Inbound:
    """An event as the webhook queued it, with when it arrived (monotonic seconds)."""

    event: Event
    received: float


def conversation_of(source: Source | None) -> str:
    """The id a conversation is known by: the user, group or room."""
    return source.conversation if source is not None else ""


class LineHandlers:
    """Handles LINE webhook events.

    Args:
        engine: answers what readers type.
        renderer: draws answers as LINE messages.
        client: the LINE API (profile lookups).
        replies: sends reply messages.
        followers: the follower records.
        subscriptions: what ``subscribe``/``unsubscribe``/``settings`` do for a follower.
        dedupe: remembers handled event ids.
        clock: the time events are recorded at.
        metrics: where answers are counted.
        stats: where reading stats are counted.
    """

    def __init__(
        self,
        *,
        engine: CommandEngine,
        renderer: LineRenderer,
        client: LineClient,
        replies: ReplySender,
        followers: LineAudienceBook,
        subscriptions: FollowerSubscriptions,
        dedupe: EventDeduplicator,
        clock: Clock,
        metrics: Metrics,
        stats: StatsRecorder,
    ) -> None:
        self.engine = engine
        self.renderer = renderer
        self.client = client
        self.replies = replies
        self.followers = followers
        self.dedupe = dedupe
        self.clock = clock
        self.metrics = metrics
        self.stats = stats
        self.profile = renderer.profile
        self.subscriptions = subscriptions

    async def handle(self, inbound: Inbound) -> None:
        """Handle one event (at most once per ``webhookEventId``)."""
        RECEIVED.set(inbound.received)
        event = inbound.event
        if event.mode == "standby":
            return
        event_id = event.webhook_event_id
        if event_id and not await self.dedupe.first_time(event_id, redelivery=event.is_redelivery):
            log.info("LINE event %s already handled; skipped", event_id)
            return
        if isinstance(event, MessageEvent):
            await self._message(event)
        elif isinstance(event, PostbackEvent):
            pressed = decode(event.data)
            if pressed is None:
                log.info("LINE postback with unknown data %r ignored", event.data)
                return
            language = PLATFORM.reader_language(
                pressed.command, self.profile.language, pressed=True, told=pressed.language
            )
            await self._command(
                pressed.command, event.source, event.reply_token, language, how="pressed"
            )
        elif isinstance(event, FollowEvent):
            await self._follow(event)
        elif isinstance(event, UnfollowEvent):
            user = conversation_of(event.source)
            if user:
                self.stats.follower("line", "unfollow")
                await self.followers.remove(user)
                log.info("LINE follower %s left; forgotten", user)

    async def _message(self, event: MessageEvent) -> None:
        if event.text is not None:
            text = event.text
            language = PLATFORM.reader_language(text, self.profile.language)
            await self._command(text, event.source, event.reply_token, language, how="typed")
            return
        language = self.profile.language
        messages = text_messages(say(language, "text_only"))
        quick = self.renderer.quick_reply(self._starters(language), None, language)
        if quick:
            messages[-1]["quickReply"] = quick
        await self.replies.send(event.reply_token, messages)

    async def _command(
        self,
        text: str,
        source: Source | None,
        reply_token: str | None,
        language: str,
        *,
        how: How,
    ) -> None:
        conversation = conversation_of(source)
        try:
            reply = await self.engine.answer(
                text,
                platform="line",
                limits=self.renderer.limits,
                conversation=conversation or None,
                page_size=PLATFORM.page_size,
                language=language,
            )
            self.metrics.answers.labels(platform="line", intent=reply.intent).inc()
            self.stats.answered("line", reply, how)
            if reply.intent in ("subscribe", "unsubscribe", "settings"):
                user = source.user_id if source is not None else None
                messages = await self._subscription(reply, user)
            else:
                messages = self.renderer.reply(reply)
        except Exception as exc:
            # The reader still hears something (the token is good for a minute only).
            log_failure(log, exc, "LINE answer to %r failed", text[:80])
            self.metrics.answers.labels(platform="line", intent="error").inc()
            messages = text_messages(say(language, "sorry"))
        await self.replies.send(reply_token, messages)

    async def _subscription(self, reply: Reply, user: str | None) -> Messages:
        """Subscribe / unsubscribe / settings, for the follower who wrote."""
        if not user:  # a group or room: deliveries go to followers only
            return text_messages(say(reply.language, "settings_off"))
        text = await self.subscriptions.act(reply, user)
        return self.renderer.reply(
            Reply(
                intent=reply.intent,
                language=reply.language,
                message=text,
                suggestions=tuple(self._starters(reply.language)),
            )
        )

    async def _follow(self, event: FollowEvent) -> None:
        user = conversation_of(event.source)
        if not user:
            return
        code = await self._profile_language(user)
        await self.followers.add(user, language=code)
        language = language_for(code, self.profile.language)
        unblocked = event.is_unblocked
        self.stats.follower("line", "unblock" if unblocked else "follow")
        text = say(
            language, "welcome_back" if unblocked else "welcome", newsletter=self.profile.name
        )
        messages = text_messages(text, 1)
        latest = await self.engine.answer(
            "latest" if language == "en" else "最新", platform="line", limits=self.renderer.limits
        )
        if latest.overview is not None:
            # The newest issue at once, as a free reply: the carousel with its "読む" buttons.
            messages += self.renderer.reply(latest)
        else:
            quick = self.renderer.quick_reply(self._sections(language), None, language)
            if quick:
                messages[-1]["quickReply"] = quick
        await self.replies.send(event.reply_token, messages)
        log.info("LINE follower %s added (language %s)", user, code or "unknown")

    async def _profile_language(self, user: str) -> str | None:
        try:
            profile = await self.client.get(PROFILE_PATH.format(segment(user)))
        except Exception as exc:  # a profile is a nicety; the follow still counts
            log.info("LINE profile of %s not available: %s", user, exc)
            return None
        language = profile.get("language") if isinstance(profile, dict) else None
        return str(language) if language else None

    def _sections(self, language: str) -> list[Suggestion]:
        buttons = [Suggestion(say(language, "latest"), "latest")]
        for spec in self.profile.sections:
            name = spec.title
            if language == "en":
                name = next((a for a in spec.aliases if a.isascii()), spec.key)
            buttons.append(Suggestion(name, f"latest {spec.key}"))
        return [*buttons, Suggestion(say(language, "help"), "help")]

    def _starters(self, language: str) -> list[Suggestion]:
        return self._sections(language)
