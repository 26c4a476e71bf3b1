"""The command engine's own words, in Japanese and English.

The reader's language is taken from what they typed; these strings are the only prose the
engine writes. Labels stay within 20 characters (LINE's quick-reply limit).
"""

from __future__ import annotations

from typing import Any

_TEXTS: dict[str, dict[str, str]] = {
    "ja": {
        "next": "次へ ({at}/{total})",
        "latest": "最新号",
        "help_label": "ヘルプ",
        "list_label": "バックナンバー",
        "no_issues": "まだ号がありません。配信が始まるまでお待ちください。",
        "no_issue_number": "第{number}号は見つかりません。",
        "no_issue_date": "{day} の号は見つかりません。",
        "no_issue_back": "{back}号前の号はまだありません。",
        "no_section": "第{number}号に「{section}」はありません。この号にあるのは: {sections}",
        "no_more": "この先はありません (全{total}件)。",
        "nothing_to_continue": "続きはありません。たとえば「{example}」と送ってください。",
        "digest_head": "{newsletter} 第{number}号 ({day})",
        "list_head": "最近の号:",
        "list_line": "第{number}号 {day} {title}",
        "search_ask": "検索する言葉を添えてください。例: 検索 {example}",
        "search_none": "「{query}」は見つかりませんでした。",
        "search_bad": "「{query}」では検索できませんでした。別の言葉でお試しください。",
        "search_head": "「{query}」の検索結果 ({count}件):",
        "search_line": "第{number}号 {section}: {title} … {snippet}",
        "search_line_untitled": "第{number}号 {section} … {snippet}",
        "unknown": "「{text}」は分かりませんでした。",
        "did_you_mean": "もしかして: {options}",
        "bad_subscription": "「{token}」は分かりませんでした。セクション: {sections}、"
        "配信日時は「土 9:00」のように書きます。",
        "help": "{newsletter} のボットです。送れる言葉:\n"
        "・最新 … 最新号のダイジェスト\n"
        "・{sections} … 最新号のそのセクション (例: 最新{first})\n"
        "・第1号 {first} / 2025-10-04 {first} … 号を指定\n"
        "・次へ … 長い記事の続き\n"
        "・バックナンバー … 最近の号の一覧\n"
        "・検索 キーワード … 過去の号から探す\n"
        "・購読 / 購読解除 / 設定 … 配信の登録と確認",
    },
    "en": {
        "next": "Next ({at}/{total})",
        "latest": "Latest issue",
        "help_label": "Help",
        "list_label": "Back issues",
        "no_issues": "No issue has been published yet.",
        "no_issue_number": "There is no issue {number}.",
        "no_issue_date": "There is no issue dated {day}.",
        "no_issue_back": "There is no issue {back} before the latest yet.",
        "no_section": "Issue {number} has no '{section}'. It has: {sections}",
        "no_more": "There is nothing further ({total} parts in all).",
        "nothing_to_continue": "There is nothing to continue. Try '{example}'.",
        "digest_head": "{newsletter} #{number} ({day})",
        "list_head": "Recent issues:",
        "list_line": "#{number} {day} {title}",
        "search_ask": "Add the words to look for, e.g. search {example}",
        "search_none": "Nothing found for '{query}'.",
        "search_bad": "Couldn't search for '{query}'. Try other words.",
        "search_head": "Results for '{query}' ({count}):",
        "search_line": "#{number} {section}: {title} … {snippet}",
        "search_line_untitled": "#{number} {section} … {snippet}",
        "unknown": "Sorry, I didn't understand '{text}'.",
        "did_you_mean": "Did you mean: {options}",
        "bad_subscription": "I don't know '{token}'. Sections: {sections}; "
        "write the time like 'mon 09:00'.",
        "help": "This is the {newsletter} bot. You can send:\n"
        "• latest: the latest issue at a glance\n"
        "• {sections}: that section of the latest issue (e.g. latest {first})\n"
        "• issue 1 {first} / 2025-10-04 {first}: a given issue\n"
        "• next: the next part of a long answer\n"
        "• list: recent issues\n"
        "• search WORDS: find something in past issues\n"
        "• subscribe / unsubscribe / settings: manage deliveries",
    },
}


def say(language: str, key: str, **values: Any) -> str:
    """The text for ``key`` in the language (English when the language has none)."""
    table = _TEXTS.get(language, _TEXTS["en"])
    return table.get(key, _TEXTS["en"][key]).format(**values)
