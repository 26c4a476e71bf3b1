"""The command engine: what a reader typed → a ``Reply`` any platform can render.

One engine serves Slack, LINE, the CLI's ``ask`` and the console's chat box, so every
surface answers the same words the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import replace

from cachetools import LRUCache

from core.clock import Clock
from core.commands.conversations import ConversationStore
from core.commands.grammar import Intent, Kind, page_suffix, understand
from core.commands.texts import say
from core.errors import SearchQueryError
from core.library import IssueRecord, Library
from core.model import Issue, Post, Reply, Suggestion
from core.overview import summarize
from core.profile import Profile
from core.splitting import Limits, split_section
from core.textnorm import fold

_CACHE_ENTRIES = 512
_CACHED_TEXT = 200  # longer texts (searches, pasted prose) are parsed each time


class CommandEngine:
    """Answers readers from the library.

    Args:
        library: stored issues.
        profile: the newsletter's sections and words.
        clock: decides which issues are published yet.
        conversations: where "next" finds its place; without it "next" works only through
            the button's own command.
    """

    def __init__(
        self,
        library: Library,
        profile: Profile,
        clock: Clock,
        conversations: ConversationStore | None = None,
    ) -> None:
        self.library = library
        self.profile = profile
        self.clock = clock
        self.conversations = conversations
        # LRU throughout: what readers ask for comes in waves (a digest lands, everyone asks
        # for the same part), so what was asked last is what will be asked next. Keys carry
        # the stored revision, so a correction never meets a stale entry.
        self._posts: LRUCache[tuple[object, ...], tuple[Post, ...]] = LRUCache(_CACHE_ENTRIES)
        # The same words and revision give the same Reply object, which the renderers and
        # senders key their own caches on. Replies are never mutated.
        self._replies: LRUCache[tuple[object, ...], Reply] = LRUCache(_CACHE_ENTRIES)
        self._intents: LRUCache[str, Intent] = LRUCache(_CACHE_ENTRIES)

    async def answer(
        self,
        text: str,
        *,
        platform: str,
        limits: Limits,
        conversation: str | None = None,
        page_size: int = 5,
        language: str | None = None,
    ) -> Reply:
        """Answer what a reader typed (or what a button sent).

        ``language`` (``ja``/``en``) answers in that language whatever script the text is
        in: a button's command is written in English words, and "次へ" continues a command
        stored in them, yet the reader speaks Japanese. None: the text decides.
        """
        intent = self._understand(text)
        if language is not None:
            intent = replace(intent, language=language)
        if intent.kind is Kind.NEXT:
            pending = None
            if conversation and self.conversations:
                pending = await self.conversations.get(platform, conversation)
            if pending is None:
                return Reply(
                    intent="next",
                    language=intent.language,
                    message=say(intent.language, "nothing_to_continue", example=self._example()),
                    suggestions=self._starters(intent.language),
                )
            # The stored command is in button words; answer in the language of "続き".
            intent = replace(self._understand(pending), language=intent.language)
        reply = await self._dispatch(intent, text, platform, limits, page_size)
        if conversation and self.conversations and reply.intent in ("section", "next"):
            await self.conversations.set(
                platform, conversation, reply.more.command if reply.more else None
            )
        return reply

    async def _dispatch(
        self, intent: Intent, text: str, platform: str, limits: Limits, page_size: int
    ) -> Reply:
        lang = intent.language
        if intent.kind in (Kind.DIGEST, Kind.SECTION):
            record = await self._find(intent)
            if isinstance(record, Reply):
                return record
            issue = record.issue
            key = (intent, issue.number, issue.date, record.revision, record.published, limits)
            if intent.kind is Kind.DIGEST:
                return self._remembered(key, lambda: self._digest(issue, lang))
            return self._remembered(
                (*key, page_size), lambda: self._section(record, intent, limits, page_size)
            )
        if intent.kind is Kind.LIST:
            return await self._list(lang)
        if intent.kind is Kind.SEARCH:
            return await self._search(intent)
        if intent.kind is Kind.HELP:
            return self._help(lang)
        if intent.kind in (Kind.SUBSCRIBE, Kind.UNSUBSCRIBE, Kind.SETTINGS):
            return self._subscription(intent)
        if intent.title:
            # A section the profile doesn't know, named as the issue names it (its title, or
            # the key its buttons send): answered like any other section.
            own = await self._own_section(intent, intent.title)
            if own is not None:
                return await self._dispatch(own, text, platform, limits, page_size)
        return self._unknown(text, lang)

    async def _own_section(self, intent: Intent, title: str) -> Intent | None:
        record = await self._find(intent)
        if isinstance(record, Reply):
            return None
        tries = [(title, intent.start)]
        if (paged := page_suffix(title)) is not None:
            tries.append(paged)
        for name, start in tries:
            for section in record.issue.sections:
                if name in (fold(section.key), fold(section.title)):
                    found = replace(
                        intent, kind=Kind.SECTION, section=section.key, start=start, title=None
                    )
                    if record.issue.number is not None:  # the issue found, not "前号" again
                        found = replace(found, number=record.issue.number, day=None, back=0)
                    return replace(found, leftover=None)
        return None

    async def _find(self, intent: Intent) -> IssueRecord | Reply:
        lang = intent.language
        if intent.number is not None:
            record = await self.library.get(intent.number)
            missing = say(lang, "no_issue_number", number=intent.number)
        elif intent.back:
            recent = await self.library.recent(intent.back + 1, self.clock.now())
            earlier = recent[intent.back] if len(recent) > intent.back else None
            record = None
            if earlier is not None and earlier.number is not None:
                record = await self.library.get(earlier.number)
            missing = say(lang, "no_issue_back", back=intent.back)
        elif intent.day is not None:
            record = await self.library.by_date(intent.day)
            missing = say(lang, "no_issue_date", day=intent.day.isoformat())
        else:
            record = await self.library.latest(self.clock.now())
            missing = say(lang, "no_issues")
        if record is None:
            return Reply(
                intent="not_found", language=lang, message=missing, suggestions=self._starters(lang)
            )
        return record

    def _digest(self, issue: Issue, lang: str) -> Reply:
        overview = summarize(issue, self.profile)
        head = say(
            lang,
            "digest_head",
            newsletter=self.profile.name,
            number=_n(issue.number),
            day=issue.date or "",
        )
        lines = [head, *(f"■ {s.label}: {s.headline or s.excerpt}" for s in overview.sections)]
        return Reply(
            intent="digest",
            language=lang,
            overview=overview,
            message="\n".join(lines),
            suggestions=self._section_buttons(issue),
            args={"issue": _n(issue.number)},
        )

    def _section(self, record: IssueRecord, intent: Intent, limits: Limits, size: int) -> Reply:
        issue, lang = record.issue, intent.language
        section = issue.section(intent.section or "")
        if section is None:
            spec = self.profile.spec(intent.section or "")
            return Reply(
                intent="not_found",
                language=lang,
                message=say(
                    lang,
                    "no_section",
                    number=_n(issue.number),
                    section=spec.title if spec else intent.section,
                    sections=", ".join(self._label(s.key, s.title) for s in issue.sections),
                ),
                suggestions=self._section_buttons(issue),
            )
        posts = self._split(record, section.key, limits)
        first = intent.start - 1
        if first >= len(posts):
            return Reply(
                intent="section",
                language=lang,
                message=say(lang, "no_more", total=len(posts)),
                suggestions=self._section_buttons(issue, skip=section.key),
            )
        page = posts[first : first + max(1, size)]
        shown = first + len(page)
        more = None
        if shown < len(posts):
            more = Suggestion(
                label=say(lang, "next", at=shown + 1, total=len(posts)),
                command=f"issue {_n(issue.number)} {section.key} p{shown + 1}",
            )
        return Reply(
            intent="section",
            language=lang,
            posts=page,
            more=more,
            suggestions=self._section_buttons(issue, skip=section.key),
            args={
                "issue": _n(issue.number),
                "section": section.key,
                "first": str(first + 1),
                "total": str(len(posts)),
            },
        )

    def _understand(self, text: str) -> Intent:
        intent = self._intents.get(text)
        if intent is None:
            intent = understand(text, self.profile)
            if len(text) <= _CACHED_TEXT:
                self._intents[text] = intent
        return intent

    def _remembered(self, key: tuple[object, ...], build: Callable[[], Reply]) -> Reply:
        reply = self._replies.get(key)
        if reply is None:
            reply = self._replies[key] = build()
        return reply

    def _split(self, record: IssueRecord, key: str, limits: Limits) -> tuple[Post, ...]:
        issue = record.issue
        cache_key = (limits, issue.number, issue.date, record.revision, key)
        posts = self._posts.get(cache_key)
        if posts is None:
            section = issue.section(key)
            assert section is not None
            posts = tuple(split_section(section, issue.ref, limits))
            self._posts[cache_key] = posts
        return posts

    async def _list(self, lang: str) -> Reply:
        refs = await self.library.recent(10, self.clock.now())
        if not refs:
            return Reply(intent="list", language=lang, message=say(lang, "no_issues"))
        lines = [say(lang, "list_head")]
        lines += [
            say(lang, "list_line", number=_n(r.number), day=r.date or "", title=r.title or "")
            for r in refs
        ]
        buttons = tuple(
            Suggestion(
                label=f"#{_n(r.number)} {r.date or ''}".strip()[:20],
                command=f"issue {_n(r.number)}",
            )
            for r in refs[:5]
        )
        return Reply(intent="list", language=lang, message="\n".join(lines), suggestions=buttons)

    async def _search(self, intent: Intent) -> Reply:
        lang = intent.language
        if not intent.query:
            return Reply(
                intent="search",
                language=lang,
                message=say(lang, "search_ask", example=self._search_example()),
            )
        try:
            hits = await self.library.search(intent.query, limit=10)
        except SearchQueryError:  # the reader's words, not our failure: no apology
            return Reply(
                intent="search",
                language=lang,
                message=say(lang, "search_bad", query=intent.query),
                suggestions=self._starters(lang),
                args={"query": intent.query},
            )
        if not hits:
            return Reply(
                intent="search",
                language=lang,
                message=say(lang, "search_none", query=intent.query),
                suggestions=self._starters(lang),
                args={"query": intent.query, "hits": "0"},
            )
        lines = [say(lang, "search_head", query=intent.query, count=len(hits))]
        buttons: dict[str, Suggestion] = {}
        for hit in hits:
            label = self._label(hit.section_key, hit.section_title)
            title = " ".join((hit.item_title or "").split())
            lines.append(
                say(
                    lang,
                    "search_line" if title else "search_line_untitled",
                    number=_n(hit.issue.number),
                    section=label,
                    title=title,
                    snippet=" ".join(hit.snippet.split()),
                )
            )
            command = f"issue {_n(hit.issue.number)} {hit.section_key}"
            buttons.setdefault(
                command, Suggestion(f"#{_n(hit.issue.number)} {label}"[:20], command)
            )
        return Reply(
            intent="search",
            language=lang,
            # One result a paragraph: a snippet wraps over lines in a chat.
            message="\n\n".join(lines),
            suggestions=tuple(buttons.values())[:5],
            args={"query": intent.query, "hits": str(len(hits))},
            marks=tuple(dict.fromkeys(intent.query.split())),
        )

    def _help(self, lang: str) -> Reply:
        names = [spec.title if lang == "ja" else spec.key for spec in self.profile.sections]
        message = say(
            lang,
            "help",
            newsletter=self.profile.name,
            sections=" / ".join(names) or "…",
            first=names[0] if names else "",
        )
        return Reply(
            intent="help", language=lang, message=message, suggestions=self._starters(lang)
        )

    def _subscription(self, intent: Intent) -> Reply:
        lang = intent.language
        if intent.leftover:
            sections = ", ".join(spec.key for spec in self.profile.sections)
            return Reply(
                intent="unknown",
                language=lang,
                message=say(lang, "bad_subscription", token=intent.leftover, sections=sections),
            )
        args = {}
        if intent.kind is Kind.SUBSCRIBE:
            args = {
                "sections": ",".join(intent.sections),
                "slot": intent.slot or "",
                "cadence": intent.cadence or "",
            }
        return Reply(intent=intent.kind.value, language=lang, args=args)

    def _unknown(self, text: str, lang: str) -> Reply:
        options = self._nearest(text, lang)
        message = say(lang, "unknown", text=text.strip()[:80])
        if options:
            message += "\n" + say(lang, "did_you_mean", options=", ".join(options))
        suggestions = tuple(Suggestion(option[:20], option) for option in options)
        return Reply(
            intent="unknown",
            language=lang,
            message=message,
            suggestions=(*suggestions, Suggestion(say(lang, "help_label"), "help")),
        )

    def _nearest(self, text: str, lang: str) -> list[str]:
        examples = ["latest", "list", "help", "next", "search"]
        jp = ["最新", "バックナンバー", "ヘルプ", "次へ", "検索"]
        for spec in self.profile.sections:
            examples += [f"latest {spec.key}", *(a for a in spec.aliases if a.isascii())]
            jp += [f"最新{spec.title}", spec.title]
        candidates = jp + examples if lang == "ja" else examples + jp
        by_fold = {fold(c): c for c in reversed(candidates)}
        close = difflib.get_close_matches(fold(text), list(by_fold), n=3, cutoff=0.5)
        return [by_fold[c] for c in close]

    def _section_buttons(self, issue: Issue, skip: str | None = None) -> tuple[Suggestion, ...]:
        return tuple(
            Suggestion(self._label(s.key, s.title)[:20], f"issue {_n(issue.number)} {s.key}")
            for s in issue.sections
            if s.key != skip
        )

    def _starters(self, lang: str) -> tuple[Suggestion, ...]:
        return (
            Suggestion(say(lang, "latest"), "latest"),
            Suggestion(say(lang, "list_label"), "list"),
            Suggestion(say(lang, "help_label"), "help"),
        )

    def _label(self, key: str, title: str) -> str:
        spec = self.profile.spec(key)
        return spec.title if spec else title

    def _example(self) -> str:
        return f"最新{self.profile.sections[0].title}" if self.profile.sections else "latest"

    def _search_example(self) -> str:
        return "AI"


def _n(number: int | None) -> str:
    return str(number) if number is not None else "?"
