"""The LINE bot: webhook, renderer, publisher and rich menu (``app`` wires them).

``PLATFORM`` is LINE's side of the platform contract (``bots.platform.ChatPlatform``); it
imports the LINE SDK only when one of its methods is called.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from bots.line.sdk import without_v2
from bots.platform import Backpressure, ChatPlatform

if TYPE_CHECKING:
    from bots.bootstrap import Services
    from bots.meters import Measured, Meter
    from bots.platform import Platform
    from bots.rendering import Renderer
    from core.model import Overview
    from core.profile import Profile
    from core.stats.ports import MessageInsight

without_v2()  # before any module of this package imports linebot.v3

_LATIN = re.compile("[A-Za-z]")


class Line(ChatPlatform):
    """LINE: a channel's friends, one-to-one, plus groups and rooms it is invited to."""

    name = "line"
    title = "LINE"
    page_size = 5
    # 16 workers answer from a queue of 10,000 events (about 3.4 KB each parsed, so ~34 MB
    # at most): at the 1,000-1,500 answers/s one process manages, under 10 s of backlog,
    # well inside a reply token's minute.
    backpressure = Backpressure(at_once=16, waiting=10_000)
    size_unit = "UTF-16 units"
    audience = "a LINE friend"
    everyone = "every friend"
    switched_on_by = "LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN"
    longest_said = 5000  # UTF-16 units

    def build(self, services: Services) -> Platform | None:
        settings = services.settings
        if not (settings.line_channel_secret and settings.line_channel_access_token):
            # off (build_line's own test): its SDK is not even imported
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


PLATFORM = Line()
