"""Neutral posts, replies and overviews → Slack message bodies (Block Kit via ``slack_sdk``).

Blocks are built as ``slack_sdk.models.blocks`` objects, so the SDK checks each one against
its own limits when ``to_dict()`` runs; the packing here keeps whole messages within the
limits the SDK does not check (50 blocks, about 12,000 characters of block text).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bots.slack import mrkdwn
from bots.slack.texts import say
from core.model import IssueRef, Overview, Post, Reply, Span, Suggestion
from core.profile import Profile
from core.splitting import Limits

Payload = dict[str, Any]

SECTION_TEXT = 3000
HEADER_TEXT = 150
MESSAGE_BLOCKS = 50
BLOCK_TEXT_BUDGET = 12_000
# A post's body (headline and text) may use this much; the rest of the budget holds the
# header and context line a post carries, and the buttons of a reply.
POST_MAX = 10_500
FALLBACK_CHARS = 3_000
BUTTON_TEXT = 75
BUTTONS = 25
REPLY_CACHE = 1024

ACTION_NEXT = "haishin_next"
ACTION_COMMAND = "haishin_cmd"
ACTION_SHARE = "haishin_share"
ACTION_PATTERN = re.compile(r"^haishin_(?:next|cmd_\d+)$")


class SlackRenderer:
    """Draws core objects as Slack messages (implements ``bots.rendering.Renderer``).

    Args:
        profile: the newsletter's profile (its name, section labels, language, post length).
    """

    platform = "slack"

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.language = profile.language
        self.limits = Limits(
            platform="slack",
            max_size=POST_MAX,
            measure=mrkdwn.measure,
            target_chars=profile.target_post_chars,
            max_block_size=SECTION_TEXT,
        )
        self._post_blocks = lru_cache(maxsize=4096)(self._build_post_blocks)
        # Answers repeat (a digest lands, everyone asks for the same section): drawn once.
        # Keys hold the posts themselves, so a corrected issue is simply a new key.
        self._replies: OrderedDict[Hashable, list[Payload]] = OrderedDict()

    # ------------------------------------------------------------------ posts

    def post(self, post: Post) -> Payload:
        """One post as one chat.postMessage body (``text`` + ``blocks``, no channel)."""
        return {"text": fallback(post.text), "blocks": list(self._post_blocks(post))}

    def _build_post_blocks(self, post: Post) -> tuple[dict[str, Any], ...]:
        label = self.label(post.section_key, post.section_title)
        blocks: list[dict[str, Any]] = []
        if post.item == 0 and post.part == 1:
            blocks.append(header(label))
        blocks.extend(section(text) for text in body_sections(post.headline, post.blocks))
        where = [mrkdwn.escape(label)]
        if post.issue.number is not None:
            where.append(issue_label(post.issue, self.language))
        if post.parts > 1:
            where.append(say(self.language, "part", part=post.part, parts=post.parts))
        blocks.append(context(" · ".join(where)))
        return tuple(blocks)

    # ------------------------------------------------------------------ replies

    def reply(self, reply: Reply, *, share: str | None = None) -> list[Payload]:
        """The messages answering a reader: one per page, more only when a page won't fit.

        Args:
            reply: the command engine's answer.
            share: a command that shows this answer again; adds a "share in channel" button
                (for answers only the asker sees).
        """
        key = (
            reply.intent,
            reply.posts,
            reply.message,
            reply.overview,
            reply.more,
            reply.suggestions,
            tuple(sorted(reply.args.items())),
            reply.language,
            share,
        )
        cached = self._replies.get(key)
        if cached is None:
            cached = self._draw_reply(reply, share)
            self._replies[key] = cached
            if len(self._replies) > REPLY_CACHE:
                self._replies.popitem(last=False)
        else:
            self._replies.move_to_end(key)
        # Fresh top-level dicts, so callers may add keys; the blocks are shared, never mutated.
        return [dict(message) for message in cached]

    def _draw_reply(self, reply: Reply, share: str | None) -> list[Payload]:
        share_button = (
            Suggestion(say(reply.language, "share"), share) if share is not None else None
        )
        if reply.posts:
            return self._section_reply(reply, share_button)
        lang = reply.language
        groups: list[list[dict[str, Any]]] = []
        text = reply.message or ""
        if reply.overview is not None:
            groups.append(self._digest_blocks(reply.overview, lang))
            text = digest_fallback(reply.overview, lang)
        elif reply.message:
            groups.append([section(chunk) for chunk in chunks(mrkdwn.escape(reply.message))])
        tail = actions(reply.more, reply.suggestions, share_button, language=lang)
        return [
            {"text": fallback(text), "blocks": blocks}
            for blocks in pack(groups, head=[], tail=tail)
        ]

    def _section_reply(self, reply: Reply, share: Suggestion | None) -> list[Payload]:
        lang = reply.language
        first = reply.posts[0]
        label = self.label(first.section_key, first.section_title)
        groups: list[list[dict[str, Any]]] = []
        previous_item: int | None = None
        for post in reply.posts:
            group: list[dict[str, Any]] = []
            if previous_item is not None and post.item != previous_item:
                group.append(DividerBlock().to_dict())
            group.extend(section(t) for t in body_sections(post.headline, post.blocks))
            groups.append(group)
            previous_item = post.item
        start = int(reply.args.get("first", "1"))
        total = int(reply.args.get("total", str(len(reply.posts))))
        last = start + len(reply.posts) - 1
        counter = (
            say(lang, "part", part=start, parts=total)
            if start == last
            else say(lang, "parts", first=start, last=last, total=total)
        )
        line = f"{self.issue_line(first.issue, lang)} · {counter}"
        tail = [context(line), *actions(reply.more, reply.suggestions, share, language=lang)]
        text = fallback(f"{label}: {first.text}")
        return [
            {"text": text, "blocks": blocks}
            for blocks in pack(groups, head=[header(label)], tail=tail)
        ]

    def notice(
        self,
        text: str,
        *,
        suggestions: Sequence[Suggestion] = (),
        more: Suggestion | None = None,
        language: str | None = None,
    ) -> Payload:
        """A short message of the adapter's own (``text`` is mrkdwn, already escaped)."""
        blocks = [section(chunk) for chunk in chunks(text)]
        blocks.extend(actions(more, suggestions, language=language))
        return {"text": fallback(text, escaped=True), "blocks": blocks}

    # ------------------------------------------------------------------ digests

    def digest(self, overview: Overview, *, threaded: bool = False) -> Payload:
        """The digest's parent message: the issue's title and one line per section.

        Args:
            overview: the issue at a glance.
            threaded: add a line saying the full text follows in the thread.
        """
        blocks = self._digest_blocks(overview, self.language)
        if threaded:
            blocks.append(context(mrkdwn.escape(say(self.language, "thread_hint"))))
        return {"text": digest_fallback(overview, self.language), "blocks": blocks}

    def _digest_blocks(self, overview: Overview, lang: str) -> list[dict[str, Any]]:
        ref = overview.issue
        title = ref.title or f"{overview.newsletter} {issue_label(ref, lang)}".strip()
        lines: list[str] = []
        used = 0
        for index, summary in enumerate(overview.sections):
            line = f"*{mrkdwn.escape(summary.label)}*  "
            if summary.headline:
                line += mrkdwn.escape(summary.headline)
            elif summary.excerpt_spans:
                line += mrkdwn.spans(summary.excerpt_spans)
            else:
                line += mrkdwn.escape(summary.excerpt)
            if summary.items > 1:
                line += f"  _{mrkdwn.escape(say(lang, 'more_items', count=summary.items - 1))}_"
            # Leave room under the block text budget for the header, context and buttons.
            if used + len(line) > POST_MAX:
                lines.append(f"… (+{len(overview.sections) - index})")
                break
            lines.append(line[:SECTION_TEXT])
            used += len(line) + 1
        body = "\n".join(lines) or mrkdwn.escape(overview.newsletter)
        sections = [section(chunk) for chunk in chunks(body)]
        return [header(title), context(self.issue_line(ref, lang)), *sections]

    # ------------------------------------------------------------------ words

    def label(self, key: str, title: str) -> str:
        """A section's display name: the profile's title for it, else the heading."""
        spec = self.profile.spec(key)
        return spec.title if spec else title

    def issue_line(self, ref: IssueRef, lang: str) -> str:
        """``週刊ビジネスレター · 第1号 · 2025-10-04`` (mrkdwn, escaped)."""
        parts = [mrkdwn.escape(self.profile.name)]
        if ref.number is not None:
            parts.append(issue_label(ref, lang))
        if ref.date is not None:
            parts.append(ref.date.isoformat())
        return " · ".join(parts)


def issue_label(ref: IssueRef, lang: str) -> str:
    """``第1号`` / ``#1``; the date when the issue has no number (yet), else empty."""
    if ref.number is not None:
        return say(lang, "issue", number=ref.number)
    return ref.date.isoformat() if ref.date is not None else ""


def digest_fallback(overview: Overview, lang: str) -> str:
    """The notification text of a digest: newsletter, issue, date and section names."""
    ref = overview.issue
    head = f"{overview.newsletter} {issue_label(ref, lang)}".strip()
    if ref.date is not None and ref.number is not None:
        head += f" ({ref.date.isoformat()})"
    names = ", ".join(s.label for s in overview.sections)
    return mrkdwn.escape(f"{head}: {names}" if names else head)


def fallback(text: str, *, escaped: bool = False) -> str:
    """A message's ``text`` (notifications, screen readers): at most 3,000 chars, escaped
    unless it is mrkdwn already."""
    flat = text.strip()
    if len(flat) > FALLBACK_CHARS:
        flat = flat[: FALLBACK_CHARS - 1] + "…"
    return (flat if escaped else mrkdwn.escape(flat)) or " "


def body_sections(head: tuple[Span, ...] | None, blocks: Sequence[Any]) -> list[str]:
    """A post's mrkdwn, cut into section texts of at most 3,000 characters at block bounds."""
    texts: list[str] = []
    current = ""
    previous = None
    pieces: list[tuple[str, Any]] = [(mrkdwn.headline(head), None)] if head else []
    pieces.extend((mrkdwn.block(item), item) for item in blocks)
    for index, (text, item) in enumerate(pieces):
        if not text.strip():
            previous = item if item is not None else previous
            continue
        gap = (mrkdwn.separator(previous, item) or "\n") if index and item is not None else "\n"
        if current and len(current) + len(gap) + len(text) <= SECTION_TEXT:
            current += gap + text
        else:
            if current:
                texts.append(current)
            overflow = chunks(text)
            texts.extend(overflow[:-1])
            current = overflow[-1]
        previous = item
    if current:
        texts.append(current)
    return texts


def chunks(text: str, size: int = SECTION_TEXT) -> list[str]:
    """Cut text into pieces of at most ``size``, at line breaks where possible, losing nothing."""
    if len(text) <= size:
        return [text] if text.strip() else []
    out: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        if cut <= 0:
            cut = size
        piece, rest = rest[:cut], rest[cut:].lstrip("\n")
        if piece.strip():
            out.append(piece)
    if rest.strip():
        out.append(rest)
    return out


def pack(
    groups: Iterable[list[dict[str, Any]]],
    *,
    head: list[dict[str, Any]],
    tail: list[dict[str, Any]],
) -> list[list[dict[str, Any]]]:
    """Blocks into messages within 50 blocks and the text budget; ``head`` starts the first
    message, ``tail`` ends the last, and each group stays in one message."""
    messages: list[list[dict[str, Any]]] = []
    current = list(head)
    size = text_length(head)
    tail_size = text_length(tail)
    for group in groups:
        group_size = text_length(group)
        if current and (
            len(current) + len(group) + len(tail) > MESSAGE_BLOCKS
            or size + group_size + tail_size > BLOCK_TEXT_BUDGET
        ):
            messages.append(current)
            current, size = [], 0
        current.extend(group)
        size += group_size
    current.extend(tail)
    messages.append(current)
    return messages


def text_length(blocks: Iterable[dict[str, Any]]) -> int:
    """Characters of text in some blocks (what Slack's block text budget counts)."""
    total = 0
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            total += len(text.get("text", ""))
        for element in block.get("elements", ()):
            inner = element.get("text")
            if isinstance(inner, dict):
                total += len(inner.get("text", ""))
            elif isinstance(inner, str):
                total += len(inner)
    return total


def header(text: str) -> dict[str, Any]:
    """A header block (plain text, cut to 150 characters)."""
    if len(text) > HEADER_TEXT:
        text = text[: HEADER_TEXT - 1] + "…"
    return HeaderBlock(text=PlainTextObject(text=text or " ", emoji=True)).to_dict()


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section block (the text must already be within 3,000 characters)."""
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def context(text: str) -> dict[str, Any]:
    """A context line in mrkdwn."""
    return ContextBlock(elements=[MarkdownTextObject(text=text[:SECTION_TEXT])]).to_dict()


def actions(
    more: Suggestion | None,
    suggestions: Sequence[Suggestion],
    share: Suggestion | None = None,
    *,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """Buttons: "next part" first (primary), the suggestions, then "share"; none → no block.

    Each button's value is its command, prefixed with the reader's language (``ja|...``), so
    the answer to a press speaks the language of the message that carried the button.
    """
    if share is not None:
        suggestions = suggestions[: BUTTONS - 2]
    pressed: list[tuple[Suggestion, str, str | None]] = []
    if more is not None:
        pressed.append((more, ACTION_NEXT, "primary"))
    pressed += [(s, f"{ACTION_COMMAND}_{i}", None) for i, s in enumerate(suggestions)]
    if share is not None:
        pressed.append((share, ACTION_SHARE, None))
    buttons = [
        ButtonElement(
            text=_button_text(suggestion.label),
            action_id=action_id,
            value=encode_value(suggestion.command, language),
            style=style,
        )
        for suggestion, action_id, style in pressed[:BUTTONS]
    ]
    return [ActionsBlock(elements=buttons).to_dict()] if buttons else []


def encode_value(command: str, language: str | None) -> str:
    """A button's value: ``ja|issue 1 topic`` (or just the command without a language)."""
    value = f"{language}|{command}" if language else command
    return value[:2000]


def decode_value(value: str) -> tuple[str | None, str]:
    """(language or None, command) from a button's value."""
    head, bar, rest = value.partition("|")
    if bar and head in ("ja", "en"):
        return head, rest
    return None, value


def _button_text(label: str) -> PlainTextObject:
    label = label.strip() or "…"
    if len(label) > BUTTON_TEXT:
        label = label[: BUTTON_TEXT - 1] + "…"
    return PlainTextObject(text=label, emoji=True)
