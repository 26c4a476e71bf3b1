"""``haishin doctor``'s Slack checks (``Slack.examine``): the credentials, asked of Slack's
``auth.test``, and the running server's ``/slack/events``, sent what Slack sends when a
Request URL is entered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.findings import SETUP, Finding

if TYPE_CHECKING:
    import httpx

    from bots.settings import Settings

SLACK_API = "https://slack.com/api/"


async def examine(settings: Settings, http: httpx.AsyncClient, public: str | None) -> list[Finding]:
    """Slack's findings: its token (or its OAuth setup), then its events URL when the public
    URL reaches this haishin (``public``)."""
    found: list[Finding] = []
    await _token(settings, http, public, found)
    return found


async def _token(
    settings: Settings, http: httpx.AsyncClient, public: str | None, found: list[Finding]
) -> None:
    import httpx

    token, secret = settings.slack_bot_token, settings.slack_signing_secret
    if settings.slack_oauth:
        from core.errors import ConfigError

        try:
            settings.slack_token_cipher()
        except ConfigError as exc:
            found.append(Finding("Slack", "fix", str(exc)))
            return
        found.append(
            Finding(
                "Slack",
                "ok",
                "set to install into workspaces (OAuth); "
                f"install it at {public or 'PUBLIC_URL'}/slack/install",
            )
        )
        return
    if not token and not secret:
        found.append(
            Finding(
                "Slack",
                "off",
                f"off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on ({SETUP})",
            )
        )
        return
    if not token or not secret:
        missing = "SLACK_BOT_TOKEN" if not token else "SLACK_SIGNING_SECRET"
        found.append(
            Finding(
                "Slack",
                "fix",
                f"{missing} is not set; Slack needs both the bot "
                f"token and the signing secret ({SETUP})",
            )
        )
        return
    base = (settings.slack_api_url or SLACK_API).rstrip("/") + "/"
    try:
        answer = await http.post(base + "auth.test", headers={"Authorization": f"Bearer {token}"})
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        found.append(
            Finding(
                "Slack",
                "fix",
                f"can't reach Slack at {base} "
                f"({type(exc).__name__}); check the network or SLACK_API_URL",
            )
        )
        return
    if not body.get("ok"):
        error = body.get("error", f"HTTP {answer.status_code}")
        found.append(
            Finding(
                "Slack",
                "fix",
                f"Slack refused SLACK_BOT_TOKEN ({error}): copy "
                "the Bot User OAuth Token (xoxb-…) from your app's OAuth & "
                "Permissions page, after installing the app to the workspace",
            )
        )
        return
    found.append(
        Finding(
            "Slack",
            "ok",
            f"the bot token works: workspace {body.get('team')} "
            f"({body.get('team_id')}), bot user {body.get('user')}",
        )
    )
    if public is not None:
        await _events(http, public, secret, found)


async def _events(http: httpx.AsyncClient, public: str, secret: str, found: list[Finding]) -> None:
    """Post what Slack posts when a Request URL is entered: a signed url_verification."""
    import hashlib
    import hmac
    import json
    import time

    import httpx

    body = json.dumps({"type": "url_verification", "challenge": "haishin-doctor"}).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }
    url = f"{public}/slack/events"
    try:
        answer = await http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        found.append(Finding("Slack events", "fix", f"{url}: {type(exc).__name__}"))
        return
    if answer.status_code == 200 and "haishin-doctor" in answer.text:
        found.append(
            Finding(
                "Slack events",
                "ok",
                f"{url} answers Slack's challenge: use it as "
                "the Request URL of Event Subscriptions, Interactivity and "
                "the /haishin slash command",
            )
        )
    elif answer.status_code == 401:
        found.append(
            Finding(
                "Slack events",
                "fix",
                f"{url} refused a request signed with "
                "SLACK_SIGNING_SECRET: the server runs with another secret; "
                "restart it after changing the setting",
            )
        )
    else:
        found.append(
            Finding(
                "Slack events",
                "fix",
                f"{url} answered {answer.status_code}: is Slack on in the running `haishin serve`?",
            )
        )
