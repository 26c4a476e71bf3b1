"""The Slack adapter's own words (part counters, subscription notices, fixable errors).

The command engine writes the answers; these are only the words around them, in the
reader's language (``ja`` or ``en``; anything else falls back to English).
"""

from __future__ import annotations

from typing import Any

# The operator's log line when Slack's settings are missing (``haishin serve`` logs it
# without importing the Slack SDK).
OFF_MESSAGE = (
    "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for one workspace, or "
    "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET to install it in any workspace"
)

_TEXTS: dict[str, dict[str, str]] = {
    "ja": {
        "issue": "第{number}号",
        "share": "チャンネルに共有",
        "parts": "{first}–{last}/{total}",
        "part": "{part}/{parts}",
        "more_items": "ほか{count}本",
        "thread_hint": "全文はこのスレッドに続きます",
        "subscribed_by": "<@{user}> がこのチャンネルを購読しました: {sections} / {schedule}",
        "schedule_weekly": "毎週{weekday} {time} ({zone})",
        "schedule_on_publish": "公開され次第",
        "all_sections": "すべてのセクション",
        "unsubscribed": "<#{channel}> の購読を解除しました。",
        "not_subscribed": "<#{channel}> は購読していません。`/haishin subscribe` で購読できます。",
        "settings": "<#{channel}> の配信設定: {sections} / {schedule}",
        "paused": "(一時停止中: {reason})",
        "home_title": "{newsletter}",
        "home_latest": "最新号",
        "home_none": "まだ号がありません。",
        "home_subscriptions": "このワークスペースの購読",
        "home_no_subscriptions": "まだ購読しているチャンネルはありません。"
        "チャンネルで `/haishin subscribe` と入力してください。",
        "home_help": "`/haishin 最新トピック` や `@haishin 編集後記` で読めます。",
        "not_in_channel": "このチャンネルに投稿できません。"
        "@haishin をこのチャンネルに招待してください。",
        "failed": "うまく答えられませんでした。少し待ってからもう一度お試しください。",
        "busy": "ただいま混み合っています。少し待ってからもう一度お試しください。",
        "weekdays": "月曜,火曜,水曜,木曜,金曜,土曜,日曜",
    },
    "en": {
        "issue": "#{number}",
        "share": "Share in channel",
        "parts": "parts {first}–{last} of {total}",
        "part": "part {part} of {parts}",
        "more_items": "+{count} more",
        "thread_hint": "The full text follows in this thread",
        "subscribed_by": "<@{user}> subscribed this channel: {sections}, {schedule}",
        "schedule_weekly": "every {weekday} at {time} ({zone})",
        "schedule_on_publish": "as soon as an issue is published",
        "all_sections": "all sections",
        "unsubscribed": "<#{channel}> is unsubscribed.",
        "not_subscribed": "<#{channel}> is not subscribed; `/haishin subscribe` subscribes it.",
        "settings": "<#{channel}> gets {sections} {schedule}",
        "paused": "(paused: {reason})",
        "home_title": "{newsletter}",
        "home_latest": "Latest issue",
        "home_none": "No issue has been published yet.",
        "home_subscriptions": "Subscriptions in this workspace",
        "home_no_subscriptions": "No channel is subscribed yet. "
        "Type `/haishin subscribe` in a channel.",
        "home_help": "Ask with `/haishin latest topic` or `@haishin afterword`.",
        "not_in_channel": "I can't post in this channel: invite @haishin to this channel.",
        "failed": "Something went wrong while answering; please try again in a moment.",
        "busy": "I'm answering a lot of people right now; please try again in a moment.",
        "weekdays": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
    },
}


def say(language: str, key: str, **values: Any) -> str:
    """The text for ``key`` in ``language`` (English when the language has none)."""
    table = _TEXTS.get(language, _TEXTS["en"])
    return table.get(key, _TEXTS["en"][key]).format(**values)


def weekday(language: str, index: int) -> str:
    """The name of a weekday (Monday = 0)."""
    return say(language, "weekdays").split(",")[index]
