"""The editor's console: every issue as Slack and LINE will show it, and the bot to try.

``console_routes(services)`` gives the routes ``bots.server.create_app`` serves at ``/``;
``require_token_for(host, settings)`` is the check ``haishin serve`` makes before listening.
Both load on first use, so importing a submodule (``bots.console.hosts``) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bots.console.hosts import require_token_for
    from bots.console.routes import console_routes

__all__ = ["console_routes", "require_token_for"]


def __getattr__(name: str) -> Any:
    if name == "console_routes":
        from bots.console.routes import console_routes

        return console_routes
    if name == "require_token_for":
        from bots.console.hosts import require_token_for

        return require_token_for
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
