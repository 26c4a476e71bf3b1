"""The ``haishin`` command line (Typer + Rich). See ``../shared/interface.md``."""

from __future__ import annotations

import typer

from bots.cli import content, feeds, keys, line, profile, serve, stats, subscriptions

app = typer.Typer(
    name="haishin",
    help="配信 haishin: a newsletter's issues, structured and delivered to Slack and LINE.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
content.register(app)
serve.register(app)
subscriptions.register(app)
feeds.register(app)
line.register(app)
keys.register(app)
profile.register(app)
stats.register(app)


def main() -> None:
    """Entry point of the console script."""
    app()
