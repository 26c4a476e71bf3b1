"""The LINE bot: webhook, renderer, publisher and rich menu (``app`` wires them).

``PLATFORM`` is LINE's side of the platform contract (``bots.platform.ChatPlatform``); it
imports the bot's modules only when one of its methods is called. haishin talks to LINE
through its own small client (``bots.line.client``, ``bots.line.events``), not the LINE SDK.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bots.platform import Backpressure, ChatPlatform

if TYPE_CHECKING:
    import httpx
    import typer
    from rich.text import Text

    from bots.bootstrap import Services
    from bots.findings import Finding
    from bots.meters import Measured, Meter
    from bots.platform import Notice, Platform
    from bots.rendering import Renderer
    from bots.settings import Settings
    from core.model import Overview, Post, Reply
    from core.profile import Profile
    from core.stats.ports import MessageInsight

_LATIN = re.compile("[A-Za-z]")


class Line(ChatPlatform):
    """LINE: a channel's friends, one-to-one, plus groups and rooms it is invited to."""

    name = "line"
    title = "LINE"
    page_size = 5
    # 16 workers answer from a queue of 10,000 events (about 0.8 KB each parsed, so ~8 MB
    # at most): at the 1,000-1,500 answers/s one process manages, under 10 s of backlog,
    # well inside a reply token's minute.
    backpressure = Backpressure(at_once=16, waiting=10_000)
    size_unit = "UTF-16 units"
    audience = "a LINE friend"
    everyone = "every friend"
    switched_on_by = "LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN"
    longest_said = 5000  # UTF-16 units
    preview_unit = "UTF-16 units"
    subscribed_by = "a LINE friend by following the account"
    example_address = "line:USER"
    delivered_means = "LINE friends who got the digest carrying it"
    opened_means = 'LINE "読む" and quick replies'

    def build(self, services: Services) -> Platform | None:
        if not self.switched_on(services.settings):
            # off (build_line's own test): its modules are not even imported
            from bots.line.texts import OFF_MESSAGE

            logging.getLogger("haishin.line").info(OFF_MESSAGE)
            return None
        from bots.line.app import build_line

        return build_line(services)

    def renderer(self, profile: Profile) -> Renderer:
        from bots.line.render import LineRenderer

        return LineRenderer(profile)

    def said_size(self, text: str) -> int:
        from core.splitting import utf16_len

        return utf16_len(text)

    def decode_button(self, value: str) -> tuple[str, str | None]:
        from bots.line.postback import decode

        decoded = decode(value)
        if decoded is None:
            return value, None
        return decoded.command, decoded.language

    def reader_language(
        self, text: str, newsletter: str, *, pressed: bool = False, told: str | None = None
    ) -> str:
        from core.commands.grammar import language_of

        if pressed:
            # The command is in English words; the button knew the reader's language.
            return told or newsletter
        # Japanese script says ja, Latin letters en; emoji or digits alone, the newsletter's.
        if language_of(text) == "ja" or _LATIN.search(text):
            return language_of(text)
        return newsletter

    def reach(self, insight: MessageInsight | None) -> str:
        if insight is None:
            return "LINE's own numbers: none (the issue went out by no broadcast)"
        if insight.fetched < insight.requests:
            return "LINE's own numbers come a day after a broadcast: not fetched yet"

        def number(value: int | None) -> str:
            return "not known" if value is None else f"{value:,}"

        return (
            f"LINE reports: {number(insight.delivered)} delivered, "
            f"{number(insight.unique_impressions)} opened it, "
            f"{number(insight.unique_clicks)} opened a link (LINE gives no opens below 20 people)"
        )

    def digest(self, renderer: Renderer, overview: Overview, profile: Profile) -> dict[str, Any]:
        from bots.line.flex import issue_command
        from core.model import Suggestion

        # As the publisher sends it: the carousel, with a quick reply per section.
        payload = renderer.digest(overview)
        buttons = [
            Suggestion(s.label, issue_command(overview.issue, s.key)) for s in overview.sections
        ]
        quick = renderer.quick_reply(buttons, None, profile.language)  # type: ignore[attr-defined]
        return {**payload, "quickReply": quick} if quick else payload

    def measure(self, payload: dict[str, Any], body: Meter | None = None) -> Measured:
        from bots.line.limits import measure

        return measure(payload, body)

    def post_size(self, renderer: Renderer, post: Post) -> tuple[int, int]:
        from bots.line.render import TEXT_MAX
        from core.splitting import utf16_len

        # Measured whole, header included, against LINE's 5,000 (the console's figure too);
        # the splitter keeps the body under 4,920 to leave room for the header.
        return utf16_len(str(renderer.post(post).get("text", ""))), TEXT_MAX

    def terminal(self, payload: dict[str, Any]) -> tuple[list[Text], list[str]]:
        from bots.line.terminal import draw

        return draw(payload)

    def subscription_notice(self, reply: Reply, renderer: Renderer, profile: Profile) -> Notice:
        from bots.line.ask_notice import subscription_notice

        return subscription_notice(reply, renderer, profile)

    def offline(self, services: Services) -> Platform:
        from bots.line.followers import LineAudienceBook
        from bots.line.planner import LineFriendPlanner
        from bots.line.publisher import LinePublisher
        from bots.line.render import LineRenderer
        from bots.platform import Platform

        # No client: the dry run only draws the messages. The planner reads the friends
        # haishin knows from the database, as it would to send.
        db = services.db
        publisher = LinePublisher(None, LineRenderer(services.profile))  # type: ignore[arg-type]
        friends = LineFriendPlanner(LineAudienceBook(db, clock=services.clock), db)
        return Platform(
            name=self.name, publisher=publisher, planner=friends.plan, review=friends.review
        )

    def recipients_said(self, recipients: Sequence[str]) -> str:
        from bots.line.audience import EVERYONE
        from bots.line.reach import is_narrowcast

        if tuple(recipients) == EVERYONE:
            return "broadcast to every friend"
        if is_narrowcast(recipients):
            return f"narrowcast to every friend but {len(recipients) - 1}"
        return super().recipients_said(recipients)

    def switched_on(self, settings: Settings) -> bool:
        # Both the secret and the access token, as build_line needs them.
        return bool(settings.line_channel_secret and settings.line_channel_access_token)

    async def examine(
        self, settings: Settings, http: httpx.AsyncClient, public_url: str | None
    ) -> list[Finding]:
        from bots.line.doctor import examine

        return await examine(settings, http, public_url)

    def commands(self) -> typer.Typer:
        from bots.line.commands import commands

        return commands()


PLATFORM = Line()
