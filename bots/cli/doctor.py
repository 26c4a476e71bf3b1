"""``haishin doctor``: is everything a running haishin needs in place, and if not, what to do.

Each check asks the real thing: the profile is loaded, the database opened (never created
nor migrated), Slack's ``auth.test`` and LINE's bot info, webhook URL and webhook test are
called with the configured credentials, the public URL is fetched. Every line says what was
found and, when something is wrong, what to change and where.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import typer

from bots.cli.common import console

if TYPE_CHECKING:
    import httpx

    from bots.settings import Settings
    from core.profile import Profile

State = Literal["ok", "note", "fix", "off"]
MARKS = {"ok": "[green]✓[/]", "note": "[yellow]![/]", "fix": "[bold red]✗[/]", "off": "[dim]-[/]"}
TIMEOUT = 15.0
SLACK_API = "https://slack.com/api/"
LINE_API = "https://api.line.me"
SETUP = "README, 'Setting up Slack and LINE'"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's outcome: ``fix`` must be fixed; ``note`` is worth a look."""

    area: str
    state: State
    says: str


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to the CLI."""
    app.command()(doctor)


def doctor() -> None:
    """Check the profile, database, Slack and LINE credentials and webhooks, the public URL,
    feeds and fonts; say what to fix; exit 1 while something must be fixed."""
    from rich.markup import escape

    from bots.settings import Settings

    findings = asyncio.run(examine(Settings()))
    width = max(len(f.area) for f in findings)
    for finding in findings:
        console.print(
            f"{MARKS[finding.state]} {finding.area:<{width}}  {escape(finding.says)}",
            highlight=False,
        )
    problems = sum(1 for f in findings if f.state == "fix")
    if problems:
        console.print(f"[bold red]{problems} thing(s) to fix[/] (see above)", highlight=False)
        raise typer.Exit(1)
    console.print("[green]all set[/]", highlight=False)


async def examine(settings: Settings) -> list[Finding]:
    """Every check, in the order a new editor sets things up."""
    import httpx

    findings: list[Finding] = []
    profile = _profile(settings, findings)
    await _database(settings, profile, findings)
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
        public = await _public_url(settings, http, findings)
        await _slack(settings, http, public, findings)
        await _line(settings, http, public, findings)
    _fonts(settings, findings)
    return findings


def _profile(settings: Settings, findings: list[Finding]) -> Profile | None:
    from core.errors import HaishinError
    from core.profile import load_profile

    try:
        profile = load_profile(settings.profile_path)
    except HaishinError as exc:  # one finding a line: each names a key of the file
        findings.extend(Finding("profile", "fix", line) for line in str(exc).splitlines())
        return None
    keys = ", ".join(spec.key for spec in profile.sections) or "none"
    findings.append(
        Finding(
            "profile",
            "ok",
            f"{settings.profile_path}: {profile.name}, sections {keys}, {profile.timezone.key}",
        )
    )
    return profile


async def _database(settings: Settings, profile: Profile | None, found: list[Finding]) -> None:
    from alembic.script import ScriptDirectory

    from core.storage.database import Database, missing_sqlite_file
    from core.storage.migrate import alembic_config

    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        found.append(
            Finding(
                "database",
                "note",
                f"no database at {missing} yet; `haishin serve` or "
                "`haishin ingest` creates it (or set HAISHIN_DATABASE_URL to yours)",
            )
        )
        return
    try:
        db = Database.from_url(settings.database_url)
    except Exception as exc:  # a URL haishin can't use: the message says why
        found.append(Finding("database", "fix", str(exc)))
        return
    try:
        try:
            revision = await db.schema_revision()
        except Exception as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            found.append(
                Finding(
                    "database",
                    "fix",
                    f"can't open {db.url.render_as_string()}: {reason}; "
                    "check HAISHIN_DATABASE_URL and that the database server runs",
                )
            )
            return
        scripts = ScriptDirectory.from_config(alembic_config())
        head = scripts.get_current_head()
        known = {script.revision for script in scripts.walk_revisions()}
        where = db.url.render_as_string(hide_password=True)
        if revision == head:
            found.append(Finding("database", "ok", f"{where}, schema up to date ({head})"))
        elif revision is not None and revision not in known:
            found.append(
                Finding(
                    "database",
                    "fix",
                    f"{where} is at schema {revision}, which this "
                    f"haishin doesn't know (its newest is {head}): a newer haishin wrote "
                    "it; run that version, or point HAISHIN_DATABASE_URL elsewhere",
                )
            )
        else:
            found.append(
                Finding(
                    "database",
                    "note",
                    f"{where} is at schema {revision or 'none'}, the "
                    f"newest is {head}: `haishin serve` brings it up to date at start",
                )
            )
        if profile is not None:
            await _feeds(db, profile, found)
    finally:
        await db.dispose()


async def _feeds(db: Any, profile: Profile, found: list[Finding]) -> None:
    from bots.feeds.status import feed_health

    health = await feed_health(db, profile)
    if not health["on"]:
        found.append(Finding("feeds", "off", "none in the profile (issue files only)"))
        return
    for feed in health["feeds"]:
        if feed["status"] == "failing":
            found.append(
                Finding(
                    "feeds",
                    "fix",
                    f"{feed['url']}: {feed.get('error') or 'failing'}; "
                    "`haishin feeds` shows more, `haishin ingest --feed` tries it now",
                )
            )
        else:
            found.append(Finding("feeds", "ok", f"{feed['url']}: {feed['status']}"))


async def _public_url(
    settings: Settings, http: httpx.AsyncClient, found: list[Finding]
) -> str | None:
    import httpx

    on = settings.slack_enabled or _line_on(settings)
    url = (settings.public_url or "").strip().rstrip("/")
    if not url:
        found.append(
            Finding(
                "public URL",
                "fix" if on else "off",
                "HAISHIN_PUBLIC_URL is not set: set "
                "it to the https address Slack and LINE reach this server at (a tunnel "
                f"such as cloudflared or ngrok while developing; {SETUP})",
            )
        )
        return None
    parts = urlsplit(url)
    if parts.scheme != "https":
        if parts.scheme == "http" and _loopback(parts.hostname):
            found.append(
                Finding(
                    "public URL",
                    "note",
                    f"{url} is plain http on this machine: "
                    "fine for trying things, but Slack and LINE call only https",
                )
            )
        else:
            found.append(
                Finding(
                    "public URL",
                    "fix",
                    f"{url}: Slack and LINE call only https "
                    "addresses; use the https URL of your tunnel or proxy",
                )
            )
            return None
    try:
        answer = await http.get(f"{url}/healthz")
    except httpx.HTTPError as exc:
        found.append(
            Finding(
                "public URL",
                "fix",
                f"nothing answers at {url} "
                f"({type(exc).__name__}): is `haishin serve` running, and the "
                "tunnel or proxy pointing at it?",
            )
        )
        return None
    if answer.status_code not in (200, 503) or "platforms" not in answer.text:
        found.append(
            Finding(
                "public URL",
                "fix",
                f"{url}/healthz answered "
                f"{answer.status_code}, not haishin: point the tunnel or proxy at "
                "the port `haishin serve` listens on",
            )
        )
        return None
    found.append(Finding("public URL", "ok", f"{url} reaches this haishin"))
    running = answer.json().get("platforms", {})
    for name, wanted in (("Slack", settings.slack_enabled), ("LINE", _line_on(settings))):
        if wanted and not running.get(name.lower(), {}).get("on"):
            found.append(
                Finding(
                    "public URL",
                    "fix",
                    f"the haishin at {url} runs with {name} "
                    "off: restart `haishin serve` with these settings",
                )
            )
    return url


def _line_on(settings: Settings) -> bool:
    """LINE is on when both its secret and access token are set (as ``bots.line.app``)."""
    return bool(settings.line_channel_secret and settings.line_channel_access_token)


def _loopback(host: str | None) -> bool:
    if host in ("localhost", None):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _slack(
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
        await _slack_events(http, public, secret, found)


async def _slack_events(
    http: httpx.AsyncClient, public: str, secret: str, found: list[Finding]
) -> None:
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
    from bots.line.richmenu import find_font
    from core.errors import ConfigError

    try:
        font = find_font()
    except ConfigError as exc:
        found.append(Finding("fonts", "fix" if _line_on(settings) else "note", str(exc)))
        return
    found.append(Finding("fonts", "ok", f"Japanese glyphs for the LINE rich menu: {font.name}"))
