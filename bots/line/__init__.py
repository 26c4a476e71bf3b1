"""The LINE bot: webhook, renderer, publisher and rich menu (``build_line`` wires them)."""

from bots.line.sdk import without_v2

without_v2()  # before any module of this package imports linebot.v3
