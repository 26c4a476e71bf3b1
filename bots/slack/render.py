"""Neutral posts, replies and overviews → Slack message bodies (Block Kit via ``slack_sdk``)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Any

from cachetools import LRUCache
from slack_sdk.models.blocks import DividerBlock

from bots.identity import IdentityCache
from bots.slack import mrkdwn
from bots.slack.blocks import (
    POST_MAX,
    SECTION_TEXT,
    actions,
    body_sections,
    chunks,
    context,
    fallback,
    header,
    pack,
    section,
)
from bots.slack.texts import say
from core.model import IssueRef, Overview, Post, Reply, SectionSummary, Suggestion
from core.profile import Profile
from core.splitting import Limits

Payload = dict[str, Any]

REPLY_CACHE = 1024
LINK_ROOM = 40  # a bullet's indent and marker, bold markers, zero-width spaces, a word


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
            keeps_link=keeps_link,
        )
        self._post_blocks = lru_cache(maxsize=4096)(self._build_post_blocks)
        # Answers repeat (a digest lands, everyone asks for the same section): drawn once.
        # Keys hold the posts themselves, so a corrected issue is simply a new key.
        self._replies: LRUCache[Hashable, list[Payload]] = LRUCache(REPLY_CACHE)
        self._by_identity: IdentityCache[Reply, list[Payload]] = IdentityCache(REPLY_CACHE)

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
        # The engine hands out one Reply object per answer it has drawn: found by identity
        # first, without hashing its posts.
        cached = self._by_identity.get(reply, lambda: self._reply(reply, share), share)
        return [dict(message) for message in cached]

    def _reply(self, reply: Reply, share: str | None) -> list[Payload]:
        key = (
            reply.intent,
            reply.posts,
            reply.message,
            reply.overview,
            reply.more,
            reply.suggestions,
            tuple(sorted(reply.args.items())),
            reply.language,
            reply.marks,
            share,
        )
        cached = self._replies.get(key)
        if cached is None:
            cached = self._draw_reply(reply, share)
            self._replies[key] = cached
        # Callers get fresh top-level dicts (they add keys); the blocks are shared, never
        # mutated.
        return cached

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
            head, _, body = reply.message.partition("\n")
            text_mrkdwn = mrkdwn.escape(head)
            if body:
                text_mrkdwn += "\n" + mrkdwn.marked(body, reply.marks)
            groups.append([section(chunk) for chunk in chunks(text_mrkdwn)])
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
            line = _digest_line(summary, lang)
            # Leave room under the block text budget for the header, context and buttons.
            if used + len(line) > POST_MAX:
                lines.append(f"… (+{len(overview.sections) - index})")
                break
            lines.append(line)
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


def keeps_link(href: str) -> bool:
    """Whether Slack can take a link to ``href``: its markup, with a word of text, a bullet
    and bold markers around it, must fit one section block (3,000 characters)."""
    # Escaping makes a character at most five ("&" is "&amp;"): most addresses need no count.
    if 5 * len(href) + LINK_ROOM + 4 <= SECTION_TEXT:
        return True
    return len(mrkdwn.link(href, "x")) + LINK_ROOM <= SECTION_TEXT


def _digest_line(summary: SectionSummary, lang: str) -> str:
    """One section of the digest as mrkdwn within a section block, never cut inside markup.

    The excerpt keeps its links and bold; when that would not fit one block (a link with a
    huge address), it is drawn as plain text instead, and plain text is cut only between
    characters, never inside an entity.
    """
    head = f"*{mrkdwn.escape(summary.label)}*  "
    tail = ""
    if summary.items > 1:
        tail = f"  _{mrkdwn.escape(say(lang, 'more_items', count=summary.items - 1))}_"
    if summary.headline:
        body = mrkdwn.escape(summary.headline)
    elif summary.excerpt_spans:
        body = mrkdwn.spans(summary.excerpt_spans)
    else:
        body = mrkdwn.escape(summary.excerpt)
    room = SECTION_TEXT - len(head) - len(tail)
    if len(body) > room:
        body = mrkdwn.escape(summary.headline or summary.excerpt)
    if len(body) > room:
        plain = summary.headline or summary.excerpt
        while len(mrkdwn.escape(plain)) > room - 1:
            plain = plain[: max(len(plain) - (len(mrkdwn.escape(plain)) - room) - 1, 0)]
        body = mrkdwn.escape(plain) + "…"
    return head + body + tail


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
