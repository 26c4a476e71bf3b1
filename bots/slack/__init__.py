"""The Slack bot: Bolt app and listeners, renderer, publisher, App Home (``app`` wires them).

``PLATFORM`` is Slack's side of the platform contract (``bots.platform.ChatPlatform``); it
imports the Slack SDK only when one of its methods is called.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bots.platform import Backpressure, ChatPlatform

if TYPE_CHECKING:
    import httpx
    from rich.text import Text

    from bots.bootstrap import Services
    from bots.findings import Finding
    from bots.meters import Measured, Meter
    from bots.platform import Notice, Platform
    from bots.rendering import Renderer
    from bots.settings import Settings
    from core.model import Overview, Reply
    from core.profile import Profile
    from core.stats.ports import MessageInsight


class Slack(ChatPlatform):
    """Slack: channels, DMs and slash commands in any number of workspaces."""

    name = "slack"
    title = "Slack"
    page_size = 3
    # 32 answers worked on at once; beyond 2,000 waiting, a request is told to try again.
    backpressure = Backpressure(at_once=32, waiting=2000)
    size_unit = "mrkdwn chars"
    audience = "a Slack channel"
    longest_said = 40_000  # Slack cuts a message there
    switched_on_by = (
        "SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)"
    )
    subscribed_by = "a Slack channel subscribes with <code>/haishin subscribe</code>"
    example_address = "slack:TEAM/CHANNEL"
    delivered_means = "Slack channels that got the section"
    opened_means = "Slack section buttons, the Home tab"

    def build(self, services: Services) -> Platform | None:
        if not self.switched_on(services.settings):  # off: its SDK is not even imported
            from bots.slack.texts import OFF_MESSAGE

            logging.getLogger("haishin.slack").info(OFF_MESSAGE)
            return None
        from bots.slack.app import build_slack

        return build_slack(services)

    def renderer(self, profile: Profile) -> Renderer:
        from bots.slack.render import SlackRenderer

        return SlackRenderer(profile)

    def decode_button(self, value: str) -> tuple[str, str | None]:
        from bots.slack.blocks import decode_value

        language, command = decode_value(value)
        return command, language

    def reader_language(
        self, text: str, newsletter: str, *, pressed: bool = False, told: str | None = None
    ) -> str | None:
        from core.commands.grammar import language_of

        # A button's language, else the text's ("次へ" continues a command stored in English
        # words, in Japanese); nothing typed: the engine decides.
        if told is not None or not text.strip():
            return told
        return language_of(text)

    def reach(self, insight: MessageInsight | None) -> str:
        return "Slack has no read receipts: who read a digest in a channel is not known"

    def digest(self, renderer: Renderer, overview: Overview, profile: Profile) -> dict[str, Any]:
        # As the publisher posts it: the parent, saying the posts follow in its thread.
        return renderer.digest(overview, threaded=True)  # type: ignore[call-arg]

    def measure(self, payload: dict[str, Any], body: Meter | None = None) -> Measured:
        from bots.slack.limits import measure

        return measure(payload, body)

    def terminal(self, payload: dict[str, Any]) -> tuple[list[Text], list[str]]:
        from bots.slack.terminal import draw

        return draw(payload)

    def subscription_notice(self, reply: Reply, renderer: Renderer, profile: Profile) -> Notice:
        from bots.slack.ask_notice import subscription_notice
        from bots.slack.render import SlackRenderer

        assert isinstance(renderer, SlackRenderer)
        return subscription_notice(reply, renderer, profile)

    def offline(self, services: Services) -> Platform:
        from bots.platform import Platform
        from bots.slack.publisher import SlackPublisher
        from bots.slack.render import SlackRenderer
        from bots.slack.tokens import StaticToken

        # No token is ever used: the dry run only draws the messages.
        profile = services.profile
        publisher = SlackPublisher(SlackRenderer(profile), profile, StaticToken("dry-run"))
        return Platform(name=self.name, publisher=publisher)

    def switched_on(self, settings: Settings) -> bool:
        return settings.slack_enabled

    async def examine(
        self, settings: Settings, http: httpx.AsyncClient, public_url: str | None
    ) -> list[Finding]:
        from bots.slack.doctor import examine

        return await examine(settings, http, public_url)


PLATFORM = Slack()
