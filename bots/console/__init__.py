"""The editor's console: every issue as Slack and LINE will show it, and the bot to try.

``console_routes(services)`` gives the routes ``bots.server.create_app`` serves at ``/``;
``require_token_for(host, settings)`` is the check ``haishin serve`` makes before listening.
"""

from bots.console.hosts import require_token_for
from bots.console.routes import console_routes

__all__ = ["console_routes", "require_token_for"]
