"""Neutral posts and replies → LINE message objects (JSON-ready dicts).

LINE counts text in UTF-16 code units (an emoji outside the BMP counts 2) and takes at most
5,000 of them in a text message, and at most 5 messages in a reply. ``LineRenderer.limits``
measures a post exactly as ``post`` draws it, with room reserved for the header this module
adds, so every post the splitter makes becomes one valid text message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from cachetools import LRUCache

from bots.identity import IdentityCache
from bots.line.flex import digest_message, postback
from bots.line.postback import encode, label
from bots.line.texts import say
from core.model import Block, BlockKind, Overview, Post, Reply, Span, Suggestion
from core.profile import Profile
from core.splitting import Limits, utf16_len

log = logging.getLogger("haishin.line")
V = TypeVar("V")

TEXT_MAX = 5000  # UTF-16 units in one text message
HEADER_RESERVE = 80  # units kept for "【section】 2/3\n" above the post text
SECTION_LABEL_MAX = 30
LINK_ROOM = 40  # the link's text, a bullet, the brackets around the address
MAX_MESSAGES = 5  # per reply / push / multicast / broadcast
QUICK_REPLY_MAX = 13
_CACHE = 2048
_BULLET = "・"
_SUBHEADING = "■ "


def _inline(spans: Sequence[Span]) -> str:
    # Plain text drops the markup; a link keeps its address so it stays tappable.
    out = []
    for span in spans:
        out.append(span.text)
        if span.href and span.href not in span.text:
            out.append(f" ({span.href})")
    return "".join(out)


def _block(block: Block) -> str:
    text = _inline(block.spans)
    if block.kind is BlockKind.BULLET:
        mark = f"{block.ordinal}. " if block.ordinal is not None else _BULLET
        return "　" * block.depth + mark + text
    if block.kind is BlockKind.SUBHEADING:
        return _SUBHEADING + text
    if block.kind is BlockKind.QUOTE:
        return "> " + text.replace("\n", "\n> ")
    return text


def _separator(before: Block | None, after: Block) -> str:
    # As Slack spaces them: a blank line between paragraphs (and before a sub-heading), a
    # sub-heading on its text, a list under the line that introduces it.
    if before is None:
        return "\n\n"  # below the headline
    if before.kind is BlockKind.SUBHEADING or after.kind is BlockKind.BULLET:
        return "\n"
    return "\n\n"


def post_body(headline: tuple[Span, ...] | None, blocks: Sequence[Block]) -> str:
    """A post's text as LINE shows it: headline, blank line, blocks spaced as in Slack."""
    parts = [_inline(headline)] if headline else []
    previous: Block | None = None
    for block in blocks:
        if parts:
            parts.append(_separator(previous, block))
        parts.append(_block(block))
        previous = block
    return "".join(parts).strip("\n")


def keeps_link(href: str) -> bool:
    """Whether a link to ``href`` fits one LINE message whole, shown as `` (href)``."""
    # A character is at most two UTF-16 units: most addresses need no count.
    return 2 * len(href) + LINK_ROOM <= TEXT_MAX - HEADER_RESERVE or (
        utf16_len(href) + LINK_ROOM <= TEXT_MAX - HEADER_RESERVE
    )


def measure(headline: tuple[Span, ...] | None, blocks: Sequence[Block]) -> int:
    """The size of a post body in UTF-16 code units, exactly as ``post_body`` draws it."""
    return utf16_len(post_body(headline, blocks))


class LineRenderer:
    """Draws posts, replies and digests as LINE message objects.

    Args:
        profile: the newsletter profile (section labels, the readable post length).
    """

    platform = "line"

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.limits = Limits(
            platform="line",
            max_size=TEXT_MAX - HEADER_RESERVE,
            measure=measure,
            target_chars=profile.target_post_chars,
            keeps_link=keeps_link,
        )
        self._cache: LRUCache[Hashable, Any] = LRUCache(_CACHE)  # answers repeat: keep the hot
        self._replies: IdentityCache[Reply, list[dict[str, Any]]] = IdentityCache(_CACHE)

    def post(self, post: Post) -> dict[str, Any]:
        """One post as one text message; bold markers dropped, a header names the part."""
        return dict(self._cached(("post", post), lambda: self._post(post)))

    def _post(self, post: Post) -> dict[str, Any]:
        spec = self.profile.spec(post.section_key)
        name = spec.title if spec else post.section_title
        header = f"【{_cut(name, SECTION_LABEL_MAX)}】"
        if post.parts > 1:
            header += f" {post.part}/{post.parts}"
        text = header + "\n" + post_body(post.headline, post.blocks)
        if utf16_len(text) > TEXT_MAX:  # the splitter kept within limits; never send a 400
            log.warning("LINE post over %d UTF-16 units; cut (section %s)", TEXT_MAX, name)
            text = _cut_utf16(text, TEXT_MAX)
        return {"type": "text", "text": text}

    def digest(self, overview: Overview) -> dict[str, Any]:
        """The digest: a Flex carousel, one bubble per section with a "読む" button."""
        return self._digest(overview, self.profile.language)

    def _digest(self, overview: Overview, language: str) -> dict[str, Any]:
        message = self._cached(
            ("digest", overview, language), lambda: digest_message(overview, language)
        )
        return dict(message)

    def reply(self, reply: Reply) -> list[dict[str, Any]]:
        """The messages answering a reader: at most 5, the last with the quick replies.

        An answer with more posts than fit ends with a "続きを読む" quick reply that fetches
        the next ones through a new (free) reply. The same ``Reply`` object gets the same
        list back (drawn once): copy it before changing it.
        """
        return self._replies.get(reply, lambda: self._reply(reply))

    def _reply(self, reply: Reply) -> list[dict[str, Any]]:
        language = reply.language
        messages: list[dict[str, Any]] = []
        if reply.overview is not None:
            messages.append(self._digest(reply.overview, language))
        elif reply.message:
            messages.extend(text_messages(reply.message, MAX_MESSAGES))
        room = MAX_MESSAGES - len(messages)
        posts = reply.posts[:room]
        messages.extend(self.post(p) for p in posts)
        more = self._more(reply, len(posts))
        if not messages:
            return []
        buttons = self.quick_reply(reply.suggestions, more, language)
        if buttons is not None:
            messages[-1] = {**messages[-1], "quickReply": buttons}
        return messages

    def _more(self, reply: Reply, shown: int) -> Suggestion | None:
        """The "read more" button: the engine's, or our own when posts were left out."""
        args = reply.args
        if shown < len(reply.posts) and {"issue", "section", "first"} <= args.keys():
            at = int(args["first"]) + shown
            command = f"issue {args['issue']} {args['section']} p{at}"
        elif reply.more is not None:
            command = reply.more.command
            at = int(args["first"]) + shown if "first" in args else 0
        else:
            return None
        total = args.get("total")
        text = (
            say(reply.language, "read_more_at", at=at, total=total)
            if at and total
            else say(reply.language, "read_more")
        )
        return Suggestion(label=text, command=command)

    def quick_reply(
        self, suggestions: Sequence[Suggestion], more: Suggestion | None, language: str
    ) -> dict[str, Any] | None:
        """Quick reply buttons (≤13, labels ≤20): "read more" first, then the suggestions."""
        key = ("quick", tuple(suggestions), more, language)
        return self._cached(key, lambda: self._quick_reply(suggestions, more, language))

    def _quick_reply(
        self, suggestions: Sequence[Suggestion], more: Suggestion | None, language: str
    ) -> dict[str, Any] | None:
        seen: dict[str, Suggestion] = {}
        for suggestion in (more, *suggestions):
            if suggestion is not None and suggestion.command not in seen:
                seen[suggestion.command] = suggestion
        items = [
            {
                "type": "action",
                "action": postback(label(s.label), encode(s.command, language), s.label),
            }
            for s in list(seen.values())[:QUICK_REPLY_MAX]
        ]
        return {"items": items} if items else None

    def _cached(self, key: Hashable, build: Callable[[], V]) -> V:
        # Drawing a message costs tens of µs (a carousel more); answers repeat a lot.
        if key in self._cache:
            value: V = self._cache[key]
            return value
        value = self._cache[key] = build()
        return value


def text_messages(text: str, limit: int = MAX_MESSAGES) -> list[dict[str, Any]]:
    """A long text as up to ``limit`` text messages of ≤5,000 UTF-16 units, cut at lines."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= TEXT_MAX:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = _cut_utf16(line, TEXT_MAX)
    if current or not chunks:
        chunks.append(current or " ")
    if len(chunks) > limit:
        chunks = chunks[:limit]
        chunks[-1] = _cut_utf16(chunks[-1], TEXT_MAX - 1) + "…"
    return [{"type": "text", "text": chunk} for chunk in chunks]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_utf16(text: str, units: int) -> str:
    """The longest prefix of ``text`` within ``units`` UTF-16 code units."""
    if utf16_len(text) <= units:
        return text
    data = text.encode("utf-16-le")[: units * 2]
    return data.decode("utf-16-le", errors="ignore")
