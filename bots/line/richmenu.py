"""The rich menu: a button per section, plus "latest" and "help", drawn locally and uploaded.

The image is drawn with Pillow in a Japanese font. The font comes with the project's own
dependencies (``noto-cjk-sans-jp-regular``: Noto Sans CJK JP, SIL OFL 1.1), so a clean
machine needs nothing else; a system Noto CJK or IPAex font, or ``--font``, works too.

LINE's rules (Messaging API reference, rich menu object): width 800-2500 px, height ≥ 250,
width/height ≥ 1.45, at most 20 areas, image ≤ 1 MB (PNG or JPEG) of exactly the menu's size,
``chatBarText`` ≤ 14 characters, action labels ≤ 20. The image goes to api-data.line.me.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from bots.line.client import LineClient, segment
from bots.line.errors import translate
from bots.line.postback import encode, label
from bots.line.texts import say
from core.errors import ConfigError
from core.profile import Profile

log = logging.getLogger("haishin.line")

MENU_PATH = "/v2/bot/richmenu"
IMAGE_PATH = "/v2/bot/richmenu/{}/content"  # on the content host
DEFAULT_PATH = "/v2/bot/user/all/richmenu/{}"
LIST_PATH = "/v2/bot/richmenu/list"

WIDTH = 2500
CELL_HEIGHT = 421  # two rows: 842 px, LINE's "compact" menu height is 843
COLUMNS = 3
MAX_ROWS = 4  # 4 × 421 = 1684 ≤ 1686, LINE's tallest menu
IMAGE_MAX_BYTES = 1024 * 1024
ACCENT = (6, 199, 85)
INK = (33, 33, 33)
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf",
)
FONT_HELP = (
    "no Japanese font to draw the rich menu with: run `uv sync` to install the project's "
    "font package (noto-cjk-sans-jp-regular), or `apt-get install fonts-noto-cjk`, "
    "or pass --font PATH to a .ttf/.otf/.ttc that has Japanese glyphs"
)


@dataclass(frozen=True, slots=True)
class MenuButton:
    """One tappable cell: what it says and the command it runs."""

    label: str
    command: str
    primary: bool = False


def menu_buttons(profile: Profile, language: str | None = None) -> list[MenuButton]:
    """Latest, each section of the profile, help; as many as the menu can hold."""
    language = language or profile.language
    sections = [
        MenuButton(
            spec.title
            if language == "ja"
            else next((a for a in spec.aliases if a.isascii()), spec.key),
            f"latest {spec.key}",
        )
        for spec in profile.sections
    ]
    room = COLUMNS * MAX_ROWS - 2
    if len(sections) > room:
        log.warning(
            "rich menu: %d sections, room for %d; the rest are left out", len(sections), room
        )
    latest = MenuButton(say(language, "latest"), "latest", primary=True)
    return [latest, *sections[:room], MenuButton(say(language, "help"), "help")]


def menu_request(profile: Profile, buttons: list[MenuButton], language: str) -> dict[str, Any]:
    """The rich menu object (JSON, as ``POST /v2/bot/richmenu`` takes it): a 3-column grid
    of postback areas."""
    rows = math.ceil(len(buttons) / COLUMNS)
    areas = []
    for index, button in enumerate(buttons):
        x, y, width, height = _cell(index, len(buttons))
        areas.append(
            {
                "bounds": {"x": x, "y": y, "width": width, "height": height},
                "action": {
                    "type": "postback",
                    "label": label(button.label),
                    "data": encode(button.command, language),
                    "displayText": button.label,
                },
            }
        )
    return {
        "size": {"width": WIDTH, "height": rows * CELL_HEIGHT},
        "selected": True,
        "name": f"haishin: {profile.name}"[:300],
        "chatBarText": "メニュー" if language == "ja" else "Menu",
        "areas": areas,
    }


def _cell(index: int, count: int) -> tuple[int, int, int, int]:
    row, column = divmod(index, COLUMNS)
    in_row = min(COLUMNS, count - row * COLUMNS)  # the last row's cells share its width
    left = round(WIDTH * column / in_row)
    right = round(WIDTH * (column + 1) / in_row)
    return left, row * CELL_HEIGHT, right - left, CELL_HEIGHT


def find_font(explicit: Path | None = None) -> Path:
    """A font file with Japanese glyphs.

    Raises:
        ConfigError: none found; the message says what to install.
    """
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"font {explicit} not found; {FONT_HELP}")
        return explicit
    try:
        import noto_cjk_sans_jp_regular

        bundled = Path(str(noto_cjk_sans_jp_regular.FONT_PATH))
        if bundled.is_file():
            return bundled
    except ImportError:
        pass
    for candidate in SYSTEM_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise ConfigError(FONT_HELP)


def draw_menu(buttons: list[MenuButton], font_path: Path) -> bytes:
    """The menu image as PNG bytes: a grid of labelled cells, latest highlighted."""
    rows = math.ceil(len(buttons) / COLUMNS)
    image = Image.new("RGB", (WIDTH, rows * CELL_HEIGHT), "white")
    pen = ImageDraw.Draw(image)
    for index, button in enumerate(buttons):
        x, y, width, height = _cell(index, len(buttons))
        fill, ink = (ACCENT, "white") if button.primary else ((245, 247, 246), INK)
        pen.rectangle((x + 6, y + 6, x + width - 7, y + height - 7), fill=fill)
        size = 96
        font = ImageFont.truetype(str(font_path), size)
        while pen.textlength(button.label, font=font) > width - 80 and size > 40:
            size -= 8
            font = ImageFont.truetype(str(font_path), size)
        pen.text((x + width / 2, y + height / 2), button.label, font=font, fill=ink, anchor="mm")
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    data = output.getvalue()
    if len(data) > IMAGE_MAX_BYTES:  # flat colours compress well; a JPEG if ever not
        output = io.BytesIO()
        image.save(output, format="JPEG", quality=85)
        data = output.getvalue()
    return data


@dataclass(frozen=True, slots=True)
class RichMenuResult:
    """What ``install_rich_menu`` did."""

    rich_menu_id: str
    buttons: list[MenuButton]
    image: bytes
    removed: list[str]


async def install_rich_menu(
    client: LineClient,
    profile: Profile,
    *,
    font: Path | None = None,
    keep_old: bool = False,
) -> RichMenuResult:
    """Create the rich menu, upload its image, make it the default; remove older ones.

    The new menu becomes the default before older haishin menus are deleted, so followers
    always have a menu.

    Raises:
        ConfigError: no Japanese font.
        DeliveryError: LINE refused a step (the message says which).
    """
    language = profile.language
    buttons = menu_buttons(profile, language)
    image = draw_menu(buttons, find_font(font))
    request = menu_request(profile, buttons, language)
    kind = "image/png" if image.startswith(b"\x89PNG") else "image/jpeg"
    step = "rich menu creation"
    try:
        created = await client.post(MENU_PATH, request)
        menu_id = str(created.json()["richMenuId"])
        step = "rich menu image upload"
        await client.request(
            "POST",
            IMAGE_PATH.format(segment(menu_id)),
            data=image,
            headers={"Content-Type": kind},
            content=True,
        )
        step = "setting the default rich menu"
        await client.request("POST", DEFAULT_PATH.format(segment(menu_id)))
        removed: list[str] = []
        if not keep_old:
            step = "removing older rich menus"
            listed = await client.get(LIST_PATH)
            for menu in listed.get("richmenus") or []:
                other = str(menu.get("richMenuId") or "")
                if other and other != menu_id and menu.get("name") == request["name"]:
                    await client.request("DELETE", f"{MENU_PATH}/{segment(other)}")
                    removed.append(other)
    except Exception as exc:
        raise translate(exc, step) from exc
    return RichMenuResult(menu_id, buttons, image, removed)
