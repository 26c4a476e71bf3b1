"""``haishin doctor``: is everything a running haishin needs in place, and if not, what to do.

Each check asks the real thing: the profile is loaded, the database opened (never created
nor migrated), the public URL is fetched, and each registered platform checks its own
credentials and webhook with the configured settings (``ChatPlatform.examine``: Slack's
``auth.test``, LINE's bot info and webhook test). Every line says what was found and, when
something is wrong, what to change and where.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from bots.cli.common import console
from bots.findings import SETUP, Finding

if TYPE_CHECKING:
    import httpx

    from bots.platform import ChatPlatform
    from bots.settings import Settings
    from core.profile import Profile

MARKS = {"ok": "[green]✓[/]", "note": "[yellow]![/]", "fix": "[bold red]✗[/]", "off": "[dim]-[/]"}
TIMEOUT = 15.0


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
    """Every check, in the order a new editor sets things up: the profile, the database and
    its feeds, the public URL, then each platform's own (in the registry's order)."""
    import httpx

    from bots import registry

    platforms = registry.platforms()
    findings: list[Finding] = []
    profile = _profile(settings, findings)
    await _database(settings, profile, findings)
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
        public = await _public_url(settings, platforms, http, findings)
        for platform in platforms:
            findings.extend(await platform.examine(settings, http, public))
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
    settings: Settings,
    platforms: Sequence[ChatPlatform],
    http: httpx.AsyncClient,
    found: list[Finding],
) -> str | None:
    """The public URL, when it reaches this haishin (and it runs every platform switched on
    here); None when it is not set or reaches nothing usable."""
    import httpx

    on = any(platform.switched_on(settings) for platform in platforms)
    who = _joined([platform.title for platform in platforms])  # "Slack and LINE"
    url = (settings.public_url or "").strip().rstrip("/")
    if not url:
        found.append(
            Finding(
                "public URL",
                "fix" if on else "off",
                "HAISHIN_PUBLIC_URL is not set: set "
                f"it to the https address {who} reach this server at (a tunnel "
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
                    f"fine for trying things, but {who} call only https",
                )
            )
        else:
            found.append(
                Finding(
                    "public URL",
                    "fix",
                    f"{url}: {who} call only https "
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
    for platform in platforms:
        if platform.switched_on(settings) and not running.get(platform.name, {}).get("on"):
            found.append(
                Finding(
                    "public URL",
                    "fix",
                    f"the haishin at {url} runs with {platform.title} "
                    "off: restart `haishin serve` with these settings",
                )
            )
    return url


def _joined(words: Sequence[str]) -> str:
    """``Slack and LINE``, ``Slack, LINE and Toy``."""
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _loopback(host: str | None) -> bool:
    if host in ("localhost", None):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
