"""The platform contract, and what a platform adds to the running service.

A platform package (``bots/slack``, ``bots/line``) exposes one ``ChatPlatform`` as
``PLATFORM`` in its ``__init__.py``, and ``bots.registry`` lists the package by module path.
Everything that is the same on every platform (the server, the console, ``preview``,
``ask``, ``/healthz``, delivery) loops over the registry and asks the contract; what differs
(page size, the reader's language, back-pressure, how a button's value reads) is decided
here, once per platform, and that includes the CLI's and the console's words about it
(``ask``'s note on a subscription, the dry run's audience, the stats page's explanations).
See ``docs/adding-a-platform.md``.

A package's ``__init__.py`` stays light: it imports its SDK only inside the contract's
methods, so a platform that is off costs nothing at start-up.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import httpx
    import typer
    from rich.text import Text
    from starlette.routing import BaseRoute

    from bots.bootstrap import Services
    from bots.findings import Finding
    from bots.meters import Measured, Meter
    from bots.rendering import Renderer
    from bots.settings import Settings
    from core.delivery.fanout import AudiencePlanner, PlanReview
    from core.model import Overview, Post, Reply
    from core.ports import Publisher
    from core.profile import Profile
    from core.stats.ports import MessageInsight

Hook = Callable[[], Awaitable[None]]
Payload = dict[str, Any]
_CHANGES = {"subscribe": "subscribes", "unsubscribe": "unsubscribes"}


@dataclass(frozen=True, slots=True)
class Backpressure:
    """How many answers a process works on at once, and how many may wait beyond those
    before a reader is turned away (counted in ``haishin_dropped_total``)."""

    at_once: int
    waiting: int


@dataclass(frozen=True, slots=True)
class Notice:
    """What ``haishin ask`` shows for a subscription request it does not carry out: the
    messages the bot would answer with, and a note saying what the bot would have done."""

    messages: list[Payload]
    note: str


class ChatPlatform(ABC):
    """What a platform package implements.

    Class attributes:
        name: the platform's key in subscriptions, the ledger and ``--platform``.
        title: how people write it (``Slack``, ``LINE``).
        page_size: posts per answer; "next" fetches the rest (bots, console and ``ask``).
        backpressure: answers at once and waiting (see ``Backpressure``).
        size_unit: what the splitter's limit counts, for the console's meters.
        audience: who a subscription reaches, for the console's notes ("a Slack channel").
        everyone: who a subscription to the whole audience reaches (``line:all``: "every
            friend"), for the console's Deliveries page; only a platform with a planner has one.
        switched_on_by: the settings that switch it on, for the console's hints where it is off.
        longest_said: the longest message a reader can send (in ``said_size``); the
            console's chat box refuses a longer one, as the platform would.
        preview_unit: what ``post_size`` counts, the heading of ``preview``'s size column.
        subscribed_by: how its readers subscribe ("a Slack channel subscribes with
            <code>/haishin subscribe</code>", HTML), for the console's empty Deliveries page;
            "" says nothing.
        example_address: a target as ``--to`` takes it (``slack:TEAM/CHANNEL``).
        delivered_means / opened_means: what the stats count as delivered and as opened there,
            for the console's stats page ("" says nothing).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    page_size: ClassVar[int]
    backpressure: ClassVar[Backpressure]
    size_unit: ClassVar[str] = "chars"
    audience: ClassVar[str] = "a conversation"
    everyone: ClassVar[str] = "everyone"
    switched_on_by: ClassVar[str] = "its settings"
    longest_said: ClassVar[int] = 5000
    preview_unit: ClassVar[str] = "size"
    subscribed_by: ClassVar[str] = ""
    example_address: ClassVar[str] = "PLATFORM:TARGET"
    delivered_means: ClassVar[str] = ""
    opened_means: ClassVar[str] = ""

    @abstractmethod
    def build(self, services: Services) -> Platform | None:
        """The platform switched on from ``services.settings`` (routes, publisher, hooks),
        or None after one log line saying how to switch it on.

        Raises:
            ConfigError: its settings are present but wrong.
        """

    @abstractmethod
    def renderer(self, profile: Profile) -> Renderer:
        """A renderer drawing core's posts and replies as this platform's messages."""

    @abstractmethod
    def decode_button(self, value: str) -> tuple[str, str | None]:
        """(command, language) from a button's value as the platform sends it back;
        a value that is not ours reads as a typed command with no language."""

    @abstractmethod
    def reader_language(
        self, text: str, newsletter: str, *, pressed: bool = False, told: str | None = None
    ) -> str | None:
        """The language to answer in (None: the engine reads it from the text).

        Args:
            text: what the reader typed, or the command a button runs.
            newsletter: the newsletter's language.
            pressed: a button was pressed (its command is in English words).
            told: the language the button carried, when it did.
        """

    def said_size(self, text: str) -> int:
        """The size of what a reader typed, as the platform counts it against ``longest_said``."""
        return len(text)

    def reach(self, insight: MessageInsight | None) -> str:
        """What the platform's own numbers say of an issue's reach, in words (no closing
        stop), for ``haishin stats`` and the console; "" when it has nothing to say.

        Args:
            insight: what it reported about the issue's sends, if anything.
        """
        return ""

    def digest(self, renderer: Renderer, overview: Overview, profile: Profile) -> dict[str, Any]:
        """The digest's cover exactly as the publisher sends it (for the console)."""
        return renderer.digest(overview)

    def measure(self, payload: dict[str, Any], body: Meter | None = None) -> Measured:
        """A message checked against the platform's own limits (for the console's meters).

        Args:
            payload: one message as the renderer drew it.
            body: a post's size as the splitter measured it, against the renderer's limit;
                None for the digest's cover. By default, the only meter.
        """
        from bots.meters import Measured

        measured = Measured(payload)
        if body is not None:
            measured.check(body, "the post is longer than the renderer's limit")
        return measured

    def post_size(self, renderer: Renderer, post: Post) -> tuple[int, int]:
        """A post's size and the limit it must keep, for ``preview``: by default the
        splitter's own measure against the renderer's limit."""
        limits = renderer.limits
        return limits.measure(post.headline, post.blocks), limits.max_size

    def terminal(self, payload: Payload) -> tuple[list[Text], list[str]]:
        """One message as a terminal shows it (``ask``, ``send --dry-run``): its parts in
        the order a reader sees them, and its buttons' labels. By default its ``text``."""
        from rich.text import Text

        text = payload.get("text")
        if isinstance(text, str):
            return [Text(text)], []
        return [Text(str(payload.get("type", "message")), style="dim")], []

    def subscription_notice(self, reply: Reply, renderer: Renderer, profile: Profile) -> Notice:
        """What ``haishin ask`` shows for a subscribe, unsubscribe or settings request: what
        the bot would answer, and what it would have done (``ask`` changes nothing). By
        default the engine's reply, drawn."""
        change = _CHANGES.get(reply.intent, "shows the subscription of")
        return Notice(
            renderer.reply(reply),
            f"On {self.title} this {change} the conversation it is typed in; "
            "`haishin ask` changes nothing (see `haishin subscriptions`).",
        )

    def offline(self, services: Services) -> Platform | None:
        """The platform as ``send --dry-run`` uses it while it is off here: a publisher that
        draws what it would send (``messages(digest, unit)``) and holds no credentials, and
        its planner; None (the default) when it has no such publisher."""
        return None

    def recipients_said(self, recipients: Sequence[str]) -> str:
        """Who one send group reaches, in words, for ``send --dry-run`` (LINE: "broadcast
        to every friend")."""
        return f"{len(recipients)} recipient(s)"

    def switched_on(self, settings: Settings) -> bool:
        """Whether ``settings`` switch it on, for ``haishin doctor`` (a public URL is needed
        while a platform is on, and the server it reaches runs the platform). By default it
        is: a platform with no settings of its own is on wherever it is registered."""
        return True

    async def examine(
        self, settings: Settings, http: httpx.AsyncClient, public_url: str | None
    ) -> list[Finding]:
        """``haishin doctor``'s checks of the platform's own setup (its credentials, its
        webhook), asked of the real thing, in the order they are shown; none by default.

        Args:
            settings: the settings ``haishin serve`` would run with.
            http: the client for the platform's API and the public URL (15 s timeout,
                redirects not followed).
            public_url: the URL that reaches this haishin (no trailing slash); None when
                it is not set or reaches no haishin.
        """
        return []

    def commands(self) -> typer.Typer | None:
        """The platform's own command group, ``haishin NAME ...`` (LINE's ``haishin line
        richmenu``); None (the default) adds none. Called on every ``haishin`` run but
        ``serve``, ``--help`` included: import the group's module inside this method, and
        let its commands import the SDK, the web stack and the database inside themselves."""
        return None


@dataclass
class Platform:
    """One platform, switched on.

    Args:
        name: the platform's key (``slack``, ``line``).
        routes: the web routes it serves (``/slack/events``, ``/line/webhook``...).
        publisher: how digests reach it; ``send --dry-run`` draws a unit with its
            ``messages(digest, unit)`` (the message bodies the unit sends).
        planner: who "everyone" is when a subscription's target is the whole audience
            (LINE's ``line:all``); None when every subscription names its conversation.
        review: checks a whole "everyone" plan before any row is made (LINE: its cost
            against the month's quota) and completes its summary; None: none.
        times_own_sends: the publisher reports its own send latency (so delivery doesn't).
        on_startup / on_shutdown: run inside the server's lifespan, in order / reverse order.
        status: extra facts for ``/healthz`` (mode, workspace...).
        prepare: run once by ``haishin serve`` before it listens (stored tokens encrypted);
            a ``ConfigError`` there stops it with the message.
    """

    name: str
    routes: list[BaseRoute] = field(default_factory=list)
    publisher: Publisher | None = None
    planner: AudiencePlanner | None = None
    review: PlanReview | None = None
    times_own_sends: bool = False
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    prepare: list[Hook] = field(default_factory=list)
