"""OAuth mode: a request from a workspace haishin has no installation for, told once.

Bolt logs an ERROR for every such request, and Slack retries each event, so one workspace
that installed the app from Slack's settings page (not through ``/slack/install``), or whose
installation row was deleted, fills the log. Here the installation is looked up before Bolt's
authorization (which then reuses the answer: still one store lookup per request); an unknown
workspace gets one WARNING per process and the note Bolt would show the person, and the
request goes no further.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from cachetools import FIFOCache
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger("haishin.slack")

# Requests Bolt lets through without an installation: Slack's URL and certificate checks,
# and the events that say the app lost a workspace (they must reach the uninstall handler).
_NO_INSTALLATION_NEEDED = ("url_verification", "ssl_check")
_LOST_WORKSPACE_EVENTS = ("app_uninstalled", "tokens_revoked", "team_access_revoked")
_RESULT = "haishin_authorize_result"
_REMEMBERED = 1024
NOT_INSTALLED = (
    ":warning: haishin is not installed in this workspace any more. "
    "Ask an admin to add it again from the app's install page."
)


class OncePerRequest(AsyncAuthorize):
    """An ``authorize`` that looks the installation up once per request, however often asked."""

    def __init__(self, authorize: AsyncAuthorize) -> None:
        self._authorize = authorize

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        if _RESULT not in context:
            context[_RESULT] = await self._authorize(
                context=context,
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                actor_enterprise_id=actor_enterprise_id,
                actor_team_id=actor_team_id,
                actor_user_id=actor_user_id,
            )
        result: AuthorizeResult | None = context[_RESULT]
        return result


class InstalledWorkspaces(AsyncMiddleware):
    """The middleware that runs before Bolt's authorization (``before_authorize``).

    Args:
        authorize: Bolt's installation-store authorize; give ``self.authorize`` to Bolt.
    """

    def __init__(self, authorize: AsyncAuthorize) -> None:
        self.authorize = OncePerRequest(authorize)
        # FIFO: each unknown workspace is logged once, and again only after many others were.
        self._told: FIFOCache[tuple[str | None, str | None], None] = FIFOCache(_REMEMBERED)

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # Bolt passes it by this name
    ) -> BoltResponse:
        if _needs_no_installation(req.body):
            return await next()
        context = req.context
        found = await self.authorize(
            context=context,
            enterprise_id=context.enterprise_id,
            team_id=context.team_id,
            user_id=context.user_id,
        )
        if found is not None:
            return await next()
        self._tell_once(context.enterprise_id, context.team_id)
        # 200, so Slack does not retry; a slash command shows the text to the person.
        return BoltResponse(status=200, body=NOT_INSTALLED)

    def _tell_once(self, enterprise: str | None, team: str | None) -> None:
        key = (enterprise, team)
        if key in self._told:
            return
        self._told[key] = None
        where = f"workspace {team}" + (f" (organisation {enterprise})" if enterprise else "")
        log.warning(
            "Slack %s sent a request but haishin is not installed there; ignoring its "
            "requests (told once). Install it through /slack/install to answer there",
            where,
        )


def _needs_no_installation(body: dict[str, object]) -> bool:
    kind = body.get("type")
    if kind in _NO_INSTALLATION_NEEDED:
        return True
    event = body.get("event")
    return (
        kind == "event_callback"
        and isinstance(event, dict)
        and event.get("type") in _LOST_WORKSPACE_EVENTS
    )
