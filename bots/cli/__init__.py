"""The ``haishin`` command line (Typer + Rich). See ``../shared/interface.md``."""

from __future__ import annotations

import sys
from typing import Any

import typer

_HELP = "配信 haishin: a newsletter's issues, structured and delivered to Slack and LINE."


def build_app(*, serve_only: bool = False) -> typer.Typer:
    """The command table.

    ``serve_only`` holds ``serve`` alone: the long-lived service doesn't keep the other
    commands' modules and Rich resident (about 3 MB) for its whole life, nor the platforms'
    own command groups (``ChatPlatform.commands``).
    """
    app = typer.Typer(
        name="haishin",
        help=_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
    )
    if serve_only:
        from bots.cli import serve

        serve.register(app)

        @app.callback()
        def _group() -> None:
            """Keeps ``haishin serve`` a subcommand, as in the full table."""

        return app
    from bots import registry
    from bots.cli import content, doctor, feeds, keys, profile, serve, stats, subscriptions

    for commands in (content, serve, subscriptions, feeds):
        commands.register(app)
    # Each platform's own group (``haishin line``), named after it; here, so that `--help`
    # lists them after `feeds` as it always has. The hook imports the group's module only.
    for platform in registry.platforms():
        group = platform.commands()
        if group is not None:
            app.add_typer(group, name=platform.name)
    for commands in (keys, profile, stats, doctor):
        commands.register(app)
    return app


_built: dict[bool, typer.Typer] = {}


def __getattr__(name: str) -> Any:
    # ``bots.cli.app``: the whole table, built on first use (tests and ``typer`` tooling).
    if name == "app":
        return _built.setdefault(False, build_app())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the console script: a known failure of any command (a bad setting, no
    profile, a database out of reach) is its one-line message and status 1, no traceback."""
    app = build_app(serve_only=sys.argv[1:2] == ["serve"])
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
