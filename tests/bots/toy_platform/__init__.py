"""A third platform, as small as one can be: a folder and one registry line.

It answers ``POST /toy/hook`` (the body is what the reader typed) with its messages as JSON,
draws every post as one text message, pages two posts at a time and reads buttons as
``toy:<command>``. ``tests/bots/test_adding_a_platform.py`` registers it and finds it in
``preview``, ``ask``, the console and ``/healthz``; ``docs/adding-a-platform.md`` shows it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bots.bootstrap import Services
from bots.platform import Backpressure, ChatPlatform, Platform
from bots.rendering import Payload, Renderer
from core.model import Overview, Post, Reply
from core.profile import Profile
from core.splitting import Limits

PREFIX = "toy:"


class ToyRenderer:
    """Every post, note and button as a text message."""

    platform = "toy"

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.limits = Limits(platform="toy", max_size=600, target_chars=300)

    def post(self, post: Post) -> Payload:
        return {"type": "text", "text": post.text}

    def reply(self, reply: Reply) -> list[Payload]:
        messages = [self.post(post) for post in reply.posts]
        if reply.message:
            messages.append({"type": "text", "text": reply.message})
        if reply.more:
            messages.append(
                {"type": "text", "text": f"{reply.more.label}: {PREFIX}{reply.more.command}"}
            )
        return messages

    def digest(self, overview: Overview) -> Payload:
        labels = ", ".join(section.label for section in overview.sections)
        return {"type": "text", "text": f"{overview.newsletter}: {labels}"}


class Toy(ChatPlatform):
    """The toy platform: always on, answers over plain HTTP."""

    name = "toy"
    title = "Toy"
    page_size = 2
    backpressure = Backpressure(at_once=1, waiting=0)
    audience = "a toy room"

    def build(self, services: Services) -> Platform | None:
        async def hook(request: Request) -> JSONResponse:
            text = (await request.body()).decode("utf-8")
            renderer = self.renderer(services.profile)
            reply = await services.engine.answer(
                text,
                platform=self.name,
                limits=renderer.limits,
                page_size=self.page_size,
                language=self.reader_language(text, services.profile.language),
            )
            return JSONResponse(renderer.reply(reply))

        return Platform(name=self.name, routes=[Route("/toy/hook", hook, methods=["POST"])])

    def renderer(self, profile: Profile) -> Renderer:
        return ToyRenderer(profile)

    def decode_button(self, value: str) -> tuple[str, str | None]:
        return value.removeprefix(PREFIX), None

    def reader_language(
        self, text: str, newsletter: str, *, pressed: bool = False, told: str | None = None
    ) -> str | None:
        return told or newsletter

    def digest(self, renderer: Renderer, overview: Overview, profile: Profile) -> Payload:
        return renderer.digest(overview)


PLATFORM = Toy()
