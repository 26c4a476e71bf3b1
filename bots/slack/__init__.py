"""The Slack bot: Bolt app and listeners, renderer, publisher, App Home (``app`` wires them)."""
