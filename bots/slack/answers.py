"""What the Slack bot says: the command engine's answer, drawn for Slack, plus the channel's
subscription when that is what was asked for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bots.metrics import Metrics
from bots.slack import PLATFORM
from bots.slack.home import home_view
from bots.slack.render import SlackRenderer
from bots.slack.subscriptions import ChannelSubscriptions
from bots.slack.texts import say
from core.clock import Clock
from core.commands import CommandEngine
from core.library import Library
from core.model import Reply
from core.overview import summarize
from core.profile import Profile
from core.stats import How, StatsRecorder

log = logging.getLogger("haishin.slack")

CONCURRENCY = PLATFORM.backpressure.at_once  # answers worked on at once; the rest wait
MAX_WAITING = PLATFORM.backpressure.waiting  # beyond this many, "try again" (and counted)
_SUBSCRIPTION_INTENTS = ("subscribe", "unsubscribe", "settings")


@dataclass
class Answer:
    """Messages answering one request.

    ``public`` answers (a channel subscribed or unsubscribed) are for the whole channel;
    the rest are for the person who asked. ``share`` is the command that shows the same page
    again (for a "share in channel" button), when the answer is newsletter content.
    """

    reply: Reply | None
    payloads: list[dict[str, Any]] = field(default_factory=list)
    public: bool = False
    share: str | None = None


class SlackBot:
    """Answers people on Slack through the command engine.

    Args:
        engine: the command engine every platform shares.
        renderer: draws replies for Slack.
        profile: the newsletter profile.
        subscriptions: the channel subscriptions.
        library: stored issues (for the Home tab).
        clock: what "now" is.
        metrics: answer counters.
        stats: where reading stats are counted.
        session: the shared HTTP session for ``response_url`` posts, once the app started.
        concurrency: answers computed at once.
        max_waiting: answers in progress or waiting beyond which a request is turned away
            with a "busy, try again" note (counted in ``haishin_dropped_total``).
    """

    def __init__(
        self,
        engine: CommandEngine,
        renderer: SlackRenderer,
        profile: Profile,
        subscriptions: ChannelSubscriptions,
        library: Library,
        clock: Clock,
        metrics: Metrics,
        stats: StatsRecorder,
        session: Callable[[], aiohttp.ClientSession | None] = lambda: None,
        *,
        concurrency: int = CONCURRENCY,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self.engine = engine
        self.renderer = renderer
        self.profile = profile
        self.subscriptions = subscriptions
        self.library = library
        self.clock = clock
        self.metrics = metrics
        self.stats = stats
        self._session = session
        self._gate = asyncio.Semaphore(concurrency)
        self._max_waiting = max_waiting
        self._waiting = 0

    async def answer(
        self,
        text: str,
        *,
        team: str,
        channel: str,
        user: str,
        shareable: bool = False,
        language: str | None = None,
        how: How = "typed",
    ) -> Answer:
        """Answer what someone typed (or a button sent) in a channel of a workspace.

        Args:
            text: the command.
            team / channel / user: where and who (the conversation "next" continues).
            shareable: the answer is private, so add a "share in channel" button.
            language: the reader's language when known (a button says); else the text's.
            how: typed, a pressed button, or a share (counted in the reading stats).
        """
        language = PLATFORM.reader_language(text, self.language, told=language)
        if self._waiting >= self._max_waiting:
            self.metrics.dropped.labels("slack").inc()
            return Answer(None, [self.renderer.notice(say(language or self.language, "busy"))])
        self._waiting += 1
        try:
            async with self._gate:
                return await self._answer(text, team, channel, user, shareable, language, how)
        finally:
            self._waiting -= 1

    async def _answer(
        self,
        text: str,
        team: str,
        channel: str,
        user: str,
        shareable: bool,
        language: str | None,
        how: How,
    ) -> Answer:
        reply = await self.engine.answer(
            text,
            platform="slack",
            limits=self.renderer.limits,
            conversation=f"{team}:{channel}:{user}",
            page_size=PLATFORM.page_size,
            language=language,
        )
        self.metrics.answers.labels("slack", reply.intent).inc()
        self.stats.answered("slack", reply, how)
        if reply.intent in _SUBSCRIPTION_INTENTS:
            notice = await self.subscriptions.act(reply, team=team, channel=channel, user=user)
            return Answer(reply, [self.renderer.notice(notice.text)], public=notice.public)
        share = _share_command(reply) if shareable else None
        return Answer(reply, self.renderer.reply(reply, share=share), share=share)

    @property
    def language(self) -> str:
        """The newsletter's language: the words used when the reader's is unknown."""
        return self.profile.language

    def failure(self, language: str | None = None) -> Answer:
        """The answer when something broke while answering (logged by the caller)."""
        text = say(language or self.language, "failed")
        return Answer(None, [self.renderer.notice(text)])

    def not_in_channel(self, language: str) -> dict[str, Any]:
        """The private note when the bot may not post where it was asked to."""
        return self.renderer.notice(say(language, "not_in_channel"))

    async def home(self, team: str) -> dict[str, Any]:
        """The Home tab view for a workspace."""
        record = await self.library.latest(self.clock.now())
        overview = summarize(record.issue, self.profile) if record else None
        subscribed = await self.subscriptions.of_workspace(team)
        return home_view(
            self.renderer,
            self.subscriptions,
            overview=overview,
            subscribed=subscribed,
            language=self.profile.language,
        )

    async def respond(self, response_url: str, body: dict[str, Any]) -> bool:
        """Post to a ``response_url`` (5 uses in 30 minutes); False when Slack refused it."""
        client = AsyncWebhookClient(url=response_url, session=self._session())
        response = await client.send_dict(body)
        if response.status_code >= 300:
            log.warning("response_url answered %s: %s", response.status_code, response.body)
            return False
        return True


def _share_command(reply: Reply) -> str | None:
    """The command showing this page again, for content a person may share with the channel."""
    issue = reply.args.get("issue")
    if not issue or issue == "?":
        return None
    if reply.intent == "section" and reply.posts:
        return f"issue {issue} {reply.args['section']} p{reply.args.get('first', '1')}"
    if reply.intent == "digest":
        return f"issue {issue}"
    return None
