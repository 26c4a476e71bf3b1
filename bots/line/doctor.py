"""``haishin doctor``'s LINE checks (``Line.examine``): the access token, asked of LINE's bot
info (and its Chat mode), the webhook URL LINE has and LINE's own webhook test, and the font
the rich menu is drawn with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.findings import SETUP, Finding, State

if TYPE_CHECKING:
    import httpx

    from bots.settings import Settings

LINE_API = "https://api.line.me"


async def examine(settings: Settings, http: httpx.AsyncClient, public: str | None) -> list[Finding]:
    """LINE's findings: the token and the bot, the webhook (tested against ``public``, the
    URL that reaches this haishin, when there is one), then the rich menu's font."""
    found: list[Finding] = []
    await _line(settings, http, public, found)
    _fonts(settings, found)
    return found


async def _line(
    settings: Settings, http: httpx.AsyncClient, public: str | None, found: list[Finding]
) -> None:
    import httpx

    token, secret = settings.line_channel_access_token, settings.line_channel_secret
    if not token and not secret:
        found.append(
            Finding(
                "LINE",
                "off",
                "off: set LINE_CHANNEL_SECRET and "
                f"LINE_CHANNEL_ACCESS_TOKEN to turn it on ({SETUP})",
            )
        )
        return
    if not token or not secret:
        missing = "LINE_CHANNEL_ACCESS_TOKEN" if not token else "LINE_CHANNEL_SECRET"
        found.append(
            Finding(
                "LINE",
                "fix",
                f"{missing} is not set; LINE needs both the "
                f"channel secret and the channel access token ({SETUP})",
            )
        )
        return
    base = (settings.line_api_url or LINE_API).rstrip("/")
    auth = {"Authorization": f"Bearer {token}"}
    try:
        info = await http.get(f"{base}/v2/bot/info", headers=auth)
    except httpx.HTTPError as exc:
        found.append(
            Finding(
                "LINE",
                "fix",
                f"can't reach LINE at {base} "
                f"({type(exc).__name__}); check the network or LINE_API_URL",
            )
        )
        return
    if info.status_code != 200:
        found.append(
            Finding(
                "LINE",
                "fix",
                f"LINE refused LINE_CHANNEL_ACCESS_TOKEN "
                f"({info.status_code}): issue a long-lived channel access token "
                "on the channel's Messaging API tab in the LINE Developers "
                "Console and copy it whole",
            )
        )
        return
    bot = info.json()
    found.append(
        Finding(
            "LINE", "ok", f"the access token works: {bot.get('displayName')} ({bot.get('basicId')})"
        )
    )
    if bot.get("chatMode") == "chat":
        found.append(
            Finding(
                "LINE chat",
                "note",
                "Chat is on in the LINE Official Account "
                "Manager: its auto-response and greeting messages may answer "
                "readers too; in Response settings turn Chat off and Webhooks on",
            )
        )
    await _line_webhook(http, base, auth, public, found)


async def _line_webhook(
    http: httpx.AsyncClient,
    base: str,
    auth: dict[str, str],
    public: str | None,
    found: list[Finding],
) -> None:
    expected = f"{public}/line/webhook" if public else None
    where = "the channel's Messaging API tab in the LINE Developers Console"
    endpoint = await http.get(f"{base}/v2/bot/channel/webhook/endpoint", headers=auth)
    current = endpoint.json() if endpoint.status_code == 200 else {}
    if expected and current.get("endpoint") != expected:
        found.append(
            Finding(
                "LINE webhook",
                "fix",
                f"LINE's webhook URL is "
                f"{current.get('endpoint') or 'not set'}; set it to {expected} on "
                f"{where}",
            )
        )
    elif current and not current.get("active"):
        found.append(Finding("LINE webhook", "fix", f"'Use webhook' is off: turn it on at {where}"))
    target = expected or current.get("endpoint")
    if not target:
        found.append(
            Finding(
                "LINE webhook",
                "fix",
                f"no webhook URL to test: set HAISHIN_PUBLIC_URL, and the webhook URL on {where}",
            )
        )
        return
    test = await http.post(
        f"{base}/v2/bot/channel/webhook/test", headers=auth, json={"endpoint": target}
    )
    result = test.json() if test.status_code == 200 else {}
    if result.get("success"):
        found.append(
            Finding(
                "LINE webhook", "ok", f"LINE reached {target} and haishin accepted its signed test"
            )
        )
        return
    status = result.get("statusCode", test.status_code)
    detail = result.get("detail") or result.get("reason") or test.text[:200]
    hint = (
        "haishin refused LINE's signature: LINE_CHANNEL_SECRET is not this channel's secret "
        "(Basic settings tab), or the running server has an older one"
        if status == 400
        else "is `haishin serve` running with LINE on, and the tunnel or proxy up?"
    )
    found.append(
        Finding("LINE webhook", "fix", f"LINE's test of {target} got {status} ({detail}): {hint}")
    )


def _fonts(settings: Settings, found: list[Finding]) -> None:
    from bots.line import PLATFORM
    from bots.line.richmenu import find_font
    from core.errors import ConfigError

    try:
        font = find_font()
    except ConfigError as exc:
        # Without the font the rich menu can't be drawn: a fix only while LINE is on.
        state: State = "fix" if PLATFORM.switched_on(settings) else "note"
        found.append(Finding("fonts", state, str(exc)))
        return
    found.append(Finding("fonts", "ok", f"Japanese glyphs for the LINE rich menu: {font.name}"))
