"""A third platform, as small as one can be: a folder and one registry line.

It answers ``POST /toy/hook`` (the body is what the reader typed) with its messages as JSON,
draws every post as one text message, pages two posts at a time, reads buttons as
``toy:<command>`` and delivers a digest as one unit a post (to nowhere: its publisher keeps
what it sent). Everything else is the contract's defaults: the terminal draws its messages'
text, ``ask`` notes what a subscription request would do, ``preview`` measures its posts as
the splitter does. It adds one ``haishin doctor`` check (its hook's address) and a command
group of its own (``haishin toy hook``). ``tests/bots/test_adding_a_platform.py`` registers
it and finds it in ``preview``, ``ask``, ``send --dry-run``, ``doctor``, the command table,
the console and ``/healthz``; ``docs/adding-a-platform.md`` shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import typer
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bots.bootstrap import Services
from bots.findings import Finding
from bots.platform import Backpressure, ChatPlatform, Platform
from bots.preview import platform_posts
from bots.rendering import Payload, Renderer
from bots.settings import Settings
from core.model import Overview, Post, Reply
from core.ports import Digest, Publisher, SendJob, SentMessage
from core.profile import Profile
from core.splitting import Limits

PREFIX = "toy:"
HOOK = "/toy/hook"


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


class ToyPublisher(Publisher):
    """A digest as one unit a post (``section/item/part``), each a text message; sending
    keeps the job."""

    platform = "toy"

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self.sent: list[SendJob] = []

    def _posts(self, digest: Digest) -> dict[str, Post]:
        posts = platform_posts(digest.chosen(), self.renderer)
        return {f"{post.section_key}/{post.item}/{post.part}": post for post in posts}

    def plan(self, digest: Digest) -> Sequence[str]:
        return list(self._posts(digest))

    def messages(self, digest: Digest, unit: str) -> list[Payload]:
        """What one unit sends (``send --dry-run`` draws it)."""
        post = self._posts(digest).get(unit)
        return [self.renderer.post(post)] if post is not None else []

    async def send(self, job: SendJob) -> SentMessage:
        self.sent.append(job)
        return SentMessage(ref=f"toy:{len(self.sent)}")


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

        return Platform(
            name=self.name,
            routes=[Route(HOOK, hook, methods=["POST"])],
            publisher=ToyPublisher(self.renderer(services.profile)),
        )

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

    async def examine(
        self, settings: Settings, http: httpx.AsyncClient, public_url: str | None
    ) -> list[Finding]:
        if public_url is None:
            return [Finding("Toy hook", "note", f"no public URL: readers can't reach {HOOK}")]
        return [Finding("Toy hook", "ok", f"readers post to {public_url}{HOOK}")]

    def commands(self) -> typer.Typer:
        group = typer.Typer(help="Toy tools.", no_args_is_help=True)

        @group.command("hook")
        def hook() -> None:
            """Where readers post."""
            typer.echo(f"POST {HOOK}")

        return group


PLATFORM = Toy()
