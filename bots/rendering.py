"""The renderer contract: neutral posts and replies → one platform's message bodies.

Each platform's ``render.py`` implements it (``SlackRenderer``, ``LineRenderer``); ``preview``,
``ask``, the console and the publishers all draw through it.
"""

from __future__ import annotations

from typing import Any, Protocol

from core.model import Overview, Post, Reply
from core.profile import Profile
from core.splitting import Limits

Payload = dict[str, Any]


class Renderer(Protocol):
    """Draws core objects as one platform shows them."""

    platform: str
    limits: Limits  # what the splitter must respect for this platform's posts

    def post(self, post: Post) -> Payload:
        """One post as one message: a chat.postMessage body (Slack) or a message object (LINE)."""
        ...

    def reply(self, reply: Reply) -> list[Payload]:
        """The messages that answer a reader (posts, text, buttons / quick replies)."""
        ...

    def digest(self, overview: Overview) -> Payload:
        """The digest's cover: Slack's parent message, LINE's Flex carousel."""
        ...


def renderer_for(platform: str, profile: Profile) -> Renderer:
    """The renderer of a platform by name (see ``bots.registry``).

    Raises:
        ValueError: no such platform.
    """
    from bots import registry

    return registry.platform(platform).renderer(profile)
