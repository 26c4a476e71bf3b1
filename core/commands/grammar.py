"""What a person typed → an ``Intent``. Pure: no storage, no platform.

Matching works on folded text (NFKC, case-folded, spaces removed), so ``最新トピック``,
``latest topic``, ``ＬＡＴＥＳＴ ｔｏｐｉｃ`` and ``第1号 気になった記事`` all parse. The
lexer takes the longest known word at each position; anything left over makes the input
unknown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.profile import Profile
from core.textnorm import fold, strip_controls

MAX_INPUT = 500  # nobody types a command longer than this; longer input is not parsed


class Kind(StrEnum):
    """What the reader wants."""

    DIGEST = "digest"
    SECTION = "section"
    NEXT = "next"
    LIST = "list"
    SEARCH = "search"
    HELP = "help"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SETTINGS = "settings"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Intent:
    """A parsed command.

    ``number``/``day`` select an issue (neither: the latest; ``back``: that many issues
    before the latest, "前号"); ``start`` is the first post (1-based) of a paged answer;
    ``sections``/``slot``/``cadence`` are subscription choices; ``leftover`` is what could not
    be understood, and ``title`` its part after the issue's reference (folded): maybe a
    section the issue has and the profile doesn't know (the engine looks).
    """

    kind: Kind
    language: str = "en"
    number: int | None = None
    day: date | None = None
    section: str | None = None
    start: int = 1
    query: str | None = None
    sections: tuple[str, ...] = ()
    slot: str | None = None
    cadence: str | None = None
    leftover: str | None = None
    back: int = 0
    title: str | None = None


# Command words, folded. The first word of each list is the canonical English one.
COMMAND_WORDS: dict[Kind, tuple[str, ...]] = {
    Kind.DIGEST: (
        "latest",
        "newest",
        "new",
        "digest",
        "thisweek",
        "最新",
        "最新号",
        "今週",
        "今週号",
        "今号",
        "lastissue",
        "latestissue",
        "thisissue",
        "currentissue",
        "ダイジェスト",
        "最新情報",
    ),
    Kind.NEXT: ("next", "more", "continue", "次", "次へ", "続き", "続きを読む", "つづき", "もっと"),
    Kind.LIST: (
        "list",
        "issues",
        "archive",
        "backissues",
        "backnumber",
        "バックナンバー",
        "一覧",
        "過去号",
        "号一覧",
    ),
    Kind.HELP: (
        "help",
        "commands",
        "menu",
        "?",
        "ヘルプ",
        "使い方",
        "つかいかた",
        "コマンド",
        "メニュー",
        "help me",
    ),
    Kind.SUBSCRIBE: ("subscribe", "購読", "購読する", "配信登録", "登録"),
    Kind.UNSUBSCRIBE: ("unsubscribe", "stop", "購読解除", "配信停止", "解除", "停止"),
    Kind.SETTINGS: ("settings", "status", "設定", "配信設定", "購読状況"),
}
_FILLERS = (
    "the",
    "show",
    "me",
    "please",
    "read",
    "get",
    "give",
    "of",
    "section",
    "part",
    "の",
    "を",
    "が",
    "は",
    "見せて",
    "みせて",
    "ください",
    "下さい",
    "教えて",
    "読む",
    "読みたい",
    "表示",
    "号の",
    "'s",
    "’s",
    "issue",
)
# Issues before the latest, by how many: "前号" is the previous issue, "last week's" its week.
_BACK_WORDS = {
    1: (
        "先週",
        "先週号",
        "前号",
        "前回",
        "前の号",
        "ひとつ前",
        "一つ前",
        "previous",
        "prev",
        "lastweek",
    ),
    2: ("先々週", "前々号", "前々回"),
}
_SEARCH_WORDS = ("search", "find", "検索", "探す", "さがす")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_NUMBER = re.compile(r"(?:issue|no\.?|number|vol\.?|#|第)?(\d{1,6})号?")
_PAGE = re.compile(r"(?:p|page|パート|ページ)(\d{1,4})")
_SEARCH_PREFIX = re.compile(
    r"^\s*(?:search|find|検索|探す|さがす)(?:\s+|[:：]\s*|(?=[^\x00-\x7f]))(?P<q>.+)$",
    re.IGNORECASE,
)
_SEARCH_SUFFIX = re.compile(r"^\s*(?P<q>.+?)\s*(?:を|で)?(?:検索|探して|さがして)\s*$")
_TRAILING = re.compile(r"[\s。．.!！?？]+$")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def language_of(text: str) -> str:
    """``ja`` when the text holds Japanese script, else ``en``."""
    return "ja" if _JAPANESE.search(text) else "en"


def understand(text: str, profile: Profile) -> Intent:
    """Parse what a reader typed into an intent; never raises."""
    # A leading slash is what people type from habit ("/help"); it carries no meaning here.
    text = strip_controls(unicodedata.normalize("NFKC", text)[:MAX_INPUT])
    text = text.strip().lstrip("/").strip()
    language = language_of(text) if text else profile.language
    if not text:
        return Intent(Kind.HELP, language=language)
    search = _search_query(text)
    if search is not None:
        return Intent(Kind.SEARCH, language=language, query=search or None)
    first, _, rest = text.partition(" ")
    if fold(first) in COMMAND_WORDS[Kind.SUBSCRIBE]:
        return _subscription(rest, profile, language)
    for kind in (Kind.UNSUBSCRIBE, Kind.SETTINGS):
        if fold(text) in COMMAND_WORDS[kind]:
            return Intent(kind, language=language)
    return _lex(fold(_TRAILING.sub("", text)) or fold(text), profile, language)


def page_suffix(title: str) -> tuple[str, int] | None:
    """``("news", 2)`` for a folded ``"newsp2"``: a title with a page, as buttons write it."""
    match = re.fullmatch(r"(.+?)" + _PAGE.pattern, title)
    return (match[1], max(1, int(match[2]))) if match else None


def _search_query(text: str) -> str | None:
    match = _SEARCH_PREFIX.match(text)
    if match:
        return match["q"].strip()
    if fold(text) in _SEARCH_WORDS:
        return ""
    match = _SEARCH_SUFFIX.match(text)
    if match and fold(match["q"]) not in _SEARCH_WORDS:
        return match["q"].strip()
    return None


_VOCABULARIES: dict[int, tuple[Profile, list[tuple[str, str, str]]]] = {}


def _vocabulary(profile: Profile) -> list[tuple[str, str, str]]:
    """(folded word, token type, value), longest words first; built once per profile."""
    cached = _VOCABULARIES.get(id(profile))
    if cached is not None and cached[0] is profile:
        return cached[1]
    if len(_VOCABULARIES) > 16:  # profiles are few; tests build many, keep it bounded
        _VOCABULARIES.clear()
    words = _build_vocabulary(profile)
    _VOCABULARIES[id(profile)] = (profile, words)
    return words


def _build_vocabulary(profile: Profile) -> list[tuple[str, str, str]]:
    words = [(w, "cmd", kind.value) for kind, ws in COMMAND_WORDS.items() for w in ws]
    words += [(w, "filler", "") for w in _FILLERS]
    words += [(w, "back", str(n)) for n, ws in _BACK_WORDS.items() for w in ws]
    for spec in profile.sections:
        words += [(fold(name), "section", spec.key) for name in spec.names]
    return sorted({(fold(w), t, v) for w, t, v in words if fold(w)}, key=lambda x: -len(x[0]))


def _lex(folded: str, profile: Profile, language: str) -> Intent:
    vocabulary = _vocabulary(profile)
    kind: Kind | None = None
    number: int | None = None
    day: date | None = None
    section: str | None = None
    start = 1
    back = 0
    reference = 0  # where the reference (number, date, "latest", "前号") ends
    at = 0
    while at < len(folded):
        if match := _DATE.match(folded, at):
            try:
                day = date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return Intent(Kind.UNKNOWN, language=language, leftover=match[0])
            at = reference = match.end()
            continue
        if match := _PAGE.match(folded, at):
            start = max(1, int(match[1]))
            at = match.end()
            continue
        word = next((w for w in vocabulary if folded.startswith(w[0], at)), None)
        if word is None and (match := _NUMBER.match(folded, at)):
            number = int(match[1])
            at = reference = match.end()
            continue
        if word is None:
            title = folded[reference:].lstrip("の")
            return Intent(
                Kind.UNKNOWN,
                language=language,
                number=number,
                day=day,
                back=back,
                leftover=folded[at:],
                title=title if kind in (None, Kind.DIGEST) and title else None,
            )
        text, token, value = word
        at += len(text)
        if token == "section":
            section = value
        elif token == "back":
            back, reference = int(value), at
            kind = kind or Kind.DIGEST
        elif token == "cmd":
            kind = Kind(value) if kind in (None, Kind.DIGEST) else kind
            reference = at if kind is Kind.DIGEST else reference
    if kind is Kind.SUBSCRIBE:
        return Intent(kind, language=language, sections=(section,) if section else ())
    if section is not None and kind in (None, Kind.DIGEST):
        kind = Kind.SECTION
    if kind is None:
        kind = Kind.DIGEST if (number is not None or day is not None) else Kind.UNKNOWN
    leftover = folded if kind is Kind.UNKNOWN else None
    return Intent(
        kind,
        language=language,
        number=number,
        day=day,
        section=section,
        start=start,
        leftover=leftover,
        back=back,
    )


def _subscription(rest: str, profile: Profile, language: str) -> Intent:
    sections: list[str] = []
    slot_words: list[str] = []
    cadence: str | None = None
    for token in re.split(r"[\s,、，]+", rest.strip()):
        if not token:
            continue
        spec = profile.section_for(token)
        if spec is not None:
            sections.append(spec.key)
        elif fold(token) in ("on-publish", "onpublish", "publish", "公開時", "すぐ", "即時"):
            cadence = "on-publish"
        elif fold(token) in ("all", "全部", "すべて", "全て"):
            continue
        elif re.fullmatch(r"\d{1,2}:\d{2}", token) or not slot_words or len(slot_words) == 1:
            slot_words.append(token)
        else:
            return Intent(Kind.SUBSCRIBE, language=language, leftover=token)
    slot = " ".join(slot_words) or None
    if slot is not None and len(slot_words) != 2:
        return Intent(Kind.SUBSCRIBE, language=language, leftover=slot)
    return Intent(
        Kind.SUBSCRIBE,
        language=language,
        sections=tuple(sections),
        slot=slot,
        cadence=cadence or ("weekly" if slot else None),
    )
