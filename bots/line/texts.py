"""What the LINE adapter itself says (the command engine says everything else)."""

from __future__ import annotations

from typing import Any

# The operator's log line when LINE's settings are missing (``haishin serve`` logs it
# without importing the LINE SDK).
OFF_MESSAGE = "LINE is off: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN to turn it on"

_TEXTS: dict[str, dict[str, str]] = {
    "ja": {
        "read": "読む",
        "read_more": "続きを読む",
        "read_more_at": "続きを読む ({at}/{total})",
        "latest": "最新号",
        "help": "ヘルプ",
        "issue_line": "{newsletter} 第{number}号",
        "digest_alt": "{newsletter} 第{number}号: {sections}",
        "issue_line_unnumbered": "{newsletter}",
        "digest_alt_unnumbered": "{newsletter}: {sections}",
        "items": "{count}本",
        "more_sections": "ほかのセクション",
        "welcome": "友だち追加ありがとうございます！{newsletter}の新しい号が出るたびに、"
        "各セクションの見どころをお届けします。\n"
        "読みたいセクションをタップするか、「最新トピック」「編集後記」のように送ってください。"
        "「ヘルプ」で使い方を表示します。",
        "welcome_back": "おかえりなさい！{newsletter}の配信を再開しました。"
        "読みたいセクションをタップしてください。",
        "subscribed_all": "毎号、すべてのセクションの見どころをお届けします。",
        "subscribed_some": "これから毎号、{sections} をお届けします。",
        "unsubscribed": "配信を停止しました。また読みたくなったら「購読」と送ってください。",
        "settings_all": "配信中: 毎号、すべてのセクション。",
        "settings_some": "配信中: 毎号、{sections}。",
        "settings_off": "いまは配信していません。「購読」と送ると再開します。",
        "weekly_unsupported": "LINE では新しい号が出たときにお届けします"
        "（曜日と時刻の指定はできません）。",
        "text_only": "テキストで送ってください。たとえば「最新トピック」。",
        "sorry": "すみません、いまお答えできませんでした。少し待ってからもう一度送ってください。",
    },
    "en": {
        "read": "Read",
        "read_more": "Read more",
        "read_more_at": "Read more ({at}/{total})",
        "latest": "Latest issue",
        "help": "Help",
        "issue_line": "{newsletter} #{number}",
        "digest_alt": "{newsletter} #{number}: {sections}",
        "issue_line_unnumbered": "{newsletter}",
        "digest_alt_unnumbered": "{newsletter}: {sections}",
        "items": "{count} items",
        "more_sections": "More sections",
        "welcome": "Thanks for adding {newsletter}! Each new issue brings you the highlights "
        "of every section.\nTap a section below, or send e.g. 'latest topic'. "
        "Send 'help' for everything you can ask.",
        "welcome_back": "Welcome back! {newsletter} will reach you again. Tap a section to read.",
        "subscribed_all": "You will get the highlights of every section of each issue.",
        "subscribed_some": "From now on you will get {sections} of each issue.",
        "unsubscribed": "Deliveries stopped. Send 'subscribe' to get them again.",
        "settings_all": "You get every section of each issue.",
        "settings_some": "You get {sections} of each issue.",
        "settings_off": "You get no deliveries now. Send 'subscribe' to start again.",
        "weekly_unsupported": "On LINE, issues arrive when they are published "
        "(a weekday and time can't be chosen).",
        "text_only": "Please send text, e.g. 'latest topic'.",
        "sorry": "Sorry, I couldn't answer just now. Please try again in a moment.",
    },
}


def say(language: str, key: str, **values: Any) -> str:
    """The adapter's text for ``key`` in a language (English when it has none)."""
    table = _TEXTS.get(language, _TEXTS["en"])
    return table.get(key, _TEXTS["en"][key]).format(**values)


def language_for(code: str | None, default: str) -> str:
    """``ja`` or ``en`` for a LINE profile language code (``ja``, ``en``, ``zh-TW``...)."""
    if not code:
        return default
    return "ja" if code.lower().startswith("ja") else "en"
