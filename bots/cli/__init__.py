"""The ``haishin`` command line (Typer + Rich). See ``../shared/interface.md``."""

from __future__ import annotations

import typer

from bots.cli import content, doctor, feeds, keys, line, profile, serve, stats, subscriptions

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
doctor.register(app)


def main() -> None:
    """Entry point of the console script: a known failure of any command (a bad setting, no
    profile, a database out of reach) is its one-line message and status 1, no traceback."""
    try:
        app()
    except Exception as exc:
        from bots.cli.failures import known_message, print_failure

        message = known_message(exc)
        if message is None:
            raise
        try:
            print_failure(message)
        except typer.Exit as done:
            raise SystemExit(done.exit_code) from None
