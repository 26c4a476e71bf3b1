"""``haishin line ...``: LINE tools for the operator (``line richmenu``, ``line followers
sync``), the command group ``Line.commands`` adds to the CLI.

Every ``haishin`` run but ``serve`` builds this group (``--help`` included), so the commands
import LINE's client, the database and the settings inside themselves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bots.cli.common import async_command, console, fail, services


def commands() -> typer.Typer:
    """The ``line`` command group (``haishin line richmenu``, ``haishin line followers
    sync``)."""
    line = typer.Typer(help="LINE tools.", no_args_is_help=True)
    line.command("richmenu")(richmenu)
    followers = typer.Typer(help="The account's friends.", no_args_is_help=True)
    followers.command("sync")(followers_sync)
    line.add_typer(followers, name="followers")
    return line


@async_command
async def followers_sync() -> None:
    """Record the account's friends haishin doesn't know yet (LINE's /v2/bot/followers/ids;
    verified and premium accounts only). Known readers keep their choices and opt-outs."""
    from bots.line.client import LineClient
    from bots.line.friends import FollowersRefused, sync_followers
    from bots.settings import Settings
    from core.errors import DeliveryError
    from core.storage import LineFollowers

    settings = Settings()
    token = settings.line_channel_access_token
    if not token:
        fail("LINE is not configured: set LINE_CHANNEL_ACCESS_TOKEN (and LINE_CHANNEL_SECRET)")
    client = LineClient(token, host=settings.line_api_url)
    async with services(settings) as svc:
        try:
            with console.status("listing the account's friends…"):
                report = await sync_followers(client, LineFollowers(svc.db, clock=svc.clock))
        except FollowersRefused as exc:
            fail(str(exc))
        except DeliveryError as exc:
            fail(f"{exc}; nothing more was recorded (run it again later)")
        finally:
            await client.close()
    console.print(
        f"[green]{report.listed:,} friend(s) listed by LINE[/] in {report.pages} page(s); "
        f"{report.added:,} new to haishin (they get the default digest until they choose)"
    )


@async_command
async def richmenu(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="draw the menu and print it; call nothing")
    ] = False,
    image: Annotated[
        Path | None, typer.Option(help="also save the menu image (PNG) to this file")
    ] = None,
    font: Annotated[
        Path | None, typer.Option(help="a .ttf/.otf/.ttc font with Japanese glyphs")
    ] = None,
    keep_old: Annotated[
        bool, typer.Option("--keep-old", help="keep earlier haishin rich menus")
    ] = False,
) -> None:
    """Create the LINE rich menu (latest, the sections, help) and make it the default."""
    from bots.line.client import LineClient
    from bots.line.richmenu import (
        draw_menu,
        find_font,
        install_rich_menu,
        menu_buttons,
        menu_request,
    )
    from bots.settings import Settings
    from core.profile import load_profile

    settings = Settings()
    profile = load_profile(settings.profile_path)
    if dry_run:
        buttons = menu_buttons(profile)
        data = draw_menu(buttons, find_font(font))
        if image is not None:
            image.write_bytes(data)
        request = menu_request(profile, buttons, profile.language)
        console.print_json(json.dumps(request, ensure_ascii=False))
        console.print(
            f"image: {len(data):,} bytes" + (f", saved to {escape(str(image))}" if image else "")
        )
        return
    token = settings.line_channel_access_token
    if not token:
        fail("LINE is not configured: set LINE_CHANNEL_ACCESS_TOKEN (and LINE_CHANNEL_SECRET)")
    client = LineClient(token, host=settings.line_api_url)
    try:
        with console.status("creating the rich menu…"):
            result = await install_rich_menu(client, profile, font=font, keep_old=keep_old)
    finally:
        await client.close()
    if image is not None:
        image.write_bytes(result.image)
    labels = escape(" / ".join(button.label for button in result.buttons))
    console.print(f"[green]rich menu {result.rich_menu_id} is the default[/]: {labels}")
    saved = f", saved to {escape(str(image))}" if image else ""
    console.print(f"image: {len(result.image):,} bytes{saved}")
    if result.removed:
        console.print(f"removed {len(result.removed)} older haishin rich menu(s)")
