"""The LINE bot: webhook, renderer, publisher and rich menu (``build_line`` wires them)."""
