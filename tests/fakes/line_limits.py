"""The LINE limits the OpenAPI spec does not state, checked by the fake API.

From LINE's Messaging API reference (see ``../shared/reference/platform-facts.md`` §2.2):
text is counted in UTF-16 code units, Flex sizes are bytes of JSON, labels have lengths by
where the action sits.
"""

from __future__ import annotations

import io
import json
from typing import Any

from PIL import Image

TEXT_MAX_UTF16 = 5000
ALT_TEXT_MAX = 400
BUBBLE_MAX_BYTES = 30 * 1000
CAROUSEL_MAX_BYTES = 50 * 1000
CAROUSEL_MAX_BUBBLES = 12
QUICK_REPLY_LABEL_MAX = 20
FLEX_LABEL_MAX = 40
RICH_MENU_LABEL_MAX = 20
DISPLAY_TEXT_MAX = 300


def utf16_units(text: str) -> int:
    """Length of a text as LINE counts it."""
    return len(text.encode("utf-16-le")) // 2


def json_bytes(document: Any) -> int:
    """Size of a JSON value in bytes, compact, UTF-8."""
    return len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def check_extra_limits(path: str, body: Any) -> None:
    """Raise ``ValueError`` naming the first limit ``body`` breaks."""
    if not isinstance(body, dict):
        return
    if path.startswith("/v2/bot/message/"):
        for index, message in enumerate(body.get("messages") or []):
            _check_message(message, f"messages/{index}")
    elif path in ("/v2/bot/richmenu", "/v2/bot/richmenu/validate"):
        _check_rich_menu(body)


def _check_message(message: dict[str, Any], where: str) -> None:
    kind = message.get("type")
    if kind in ("text", "textV2"):
        units = utf16_units(message.get("text", ""))
        if units > TEXT_MAX_UTF16:
            raise ValueError(f"{where}/text: {units} UTF-16 units, over {TEXT_MAX_UTF16}")
    if kind == "flex":
        alt = message.get("altText", "")
        if not alt or len(alt) > ALT_TEXT_MAX:
            raise ValueError(f"{where}/altText: {len(alt)} characters, must be 1..{ALT_TEXT_MAX}")
        _check_flex(message.get("contents", {}), f"{where}/contents")
    for index, item in enumerate((message.get("quickReply") or {}).get("items", [])):
        _check_action(
            item.get("action", {}),
            f"{where}/quickReply/items/{index}/action",
            QUICK_REPLY_LABEL_MAX,
        )


def _check_flex(container: dict[str, Any], where: str) -> None:
    if container.get("type") == "carousel":
        bubbles = container.get("contents", [])
        if len(bubbles) > CAROUSEL_MAX_BUBBLES:
            raise ValueError(f"{where}: {len(bubbles)} bubbles, over {CAROUSEL_MAX_BUBBLES}")
        size = json_bytes(container)
        if size > CAROUSEL_MAX_BYTES:
            raise ValueError(f"{where}: carousel is {size} bytes, over {CAROUSEL_MAX_BYTES}")
        sizes = {b.get("size") for b in bubbles}
        if len(sizes) > 1:
            raise ValueError(f"{where}: bubbles of a carousel must share one size, got {sizes}")
        for index, bubble in enumerate(bubbles):
            _check_bubble(bubble, f"{where}/contents/{index}")
    else:
        _check_bubble(container, where)


def _check_bubble(bubble: dict[str, Any], where: str) -> None:
    size = json_bytes(bubble)
    if size > BUBBLE_MAX_BYTES:
        raise ValueError(f"{where}: bubble is {size} bytes, over {BUBBLE_MAX_BYTES}")
    for path, node in _walk(bubble, where):
        if node.get("type") == "button":
            _check_action(node.get("action", {}), f"{path}/action", FLEX_LABEL_MAX)


def _walk(node: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((where, node))
        for key, value in node.items():
            found.extend(_walk(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_walk(value, f"{where}/{index}"))
    return found


def _check_action(action: dict[str, Any], where: str, label_max: int) -> None:
    label = action.get("label")
    if label is not None and not 1 <= len(label) <= label_max:
        raise ValueError(f"{where}/label: {label!r} must be 1..{label_max} characters")
    display = action.get("displayText")
    if display is not None and len(display) > DISPLAY_TEXT_MAX:
        raise ValueError(f"{where}/displayText: over {DISPLAY_TEXT_MAX} characters")


def _check_rich_menu(menu: dict[str, Any]) -> None:
    size = menu.get("size", {})
    width, height = size.get("width", 0), size.get("height", 0)
    if not (800 <= width <= 2500 and height >= 250 and width / max(height, 1) >= 1.45):
        raise ValueError(f"size: {width}x{height}; width 800..2500, height ≥250, ratio ≥1.45")
    areas = menu.get("areas", [])
    if not 1 <= len(areas) <= 20:
        raise ValueError(f"areas: {len(areas)}, must be 1..20")
    for index, area in enumerate(areas):
        bounds = area.get("bounds", {})
        right = bounds.get("x", 0) + bounds.get("width", 0)
        bottom = bounds.get("y", 0) + bounds.get("height", 0)
        if right > width or bottom > height:
            raise ValueError(f"areas/{index}/bounds: outside the {width}x{height} menu")
        _check_action(area.get("action", {}), f"areas/{index}/action", RICH_MENU_LABEL_MAX)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, or None when it is not an image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        return None
