"""The fake LINE API's rich menu endpoints, as LINE answers them.

Create / list / get / delete a menu; upload its image on the api-data path (PNG or JPEG,
≤ 1 MB, exactly the menu's size, once); set, get and cancel the default menu.
"""

from __future__ import annotations

import json
import uuid

from aiohttp import web

from tests.fakes.line_limits import image_size
from tests.fakes.line_records import State, error_response


def rich_menu_route(
    state: State, method: str, path: str, headers: dict[str, str], body: bytes
) -> web.Response:
    """Answer a rich menu request (create, list, get, delete, image, default)."""
    parts = path.strip("/").split("/")  # v2 bot richmenu ...
    if path == "/v2/bot/richmenu" and method == "POST":
        menu_id = f"richmenu-{uuid.uuid4().hex}"
        state.rich_menus[menu_id] = json.loads(body)
        return web.json_response({"richMenuId": menu_id})
    if path == "/v2/bot/richmenu/validate" and method == "POST":
        return web.json_response({})
    if path == "/v2/bot/richmenu/list" and method == "GET":
        menus = [{"richMenuId": k, **v} for k, v in state.rich_menus.items()]
        return web.json_response({"richmenus": menus})
    if parts[:3] == ["v2", "bot", "richmenu"] and len(parts) >= 4:
        menu_id = parts[3]
        if menu_id not in state.rich_menus:
            return error_response(404, "Not found")
        if len(parts) == 5 and parts[4] == "content":
            return _image(state, method, menu_id, headers, body)
        if method == "DELETE":
            del state.rich_menus[menu_id]
            state.images.pop(menu_id, None)
            if state.default_rich_menu == menu_id:
                state.default_rich_menu = None
            return web.json_response({})
        if method == "GET":
            return web.json_response({"richMenuId": menu_id, **state.rich_menus[menu_id]})
    if parts[:4] == ["v2", "bot", "user", "all"] and parts[4:5] == ["richmenu"]:
        if method == "POST" and len(parts) == 6:
            if parts[5] not in state.rich_menus:
                return error_response(404, "Not found")
            if parts[5] not in state.images:
                return error_response(400, "An image has not been uploaded to the rich menu")
            state.default_rich_menu = parts[5]
            return web.json_response({})
        if method == "GET":
            if state.default_rich_menu is None:
                return error_response(404, "Not found")
            return web.json_response({"richMenuId": state.default_rich_menu})
        if method == "DELETE":
            state.default_rich_menu = None
            return web.json_response({})
    return error_response(404, "Not found")


def _image(
    state: State, method: str, menu_id: str, headers: dict[str, str], body: bytes
) -> web.Response:
    if method == "GET":
        if menu_id not in state.images:
            return error_response(404, "Not found")
        kind, data = state.images[menu_id]
        return web.Response(body=data, content_type=kind)
    kind = headers.get("content-type", "")
    if kind not in ("image/png", "image/jpeg"):
        return error_response(400, f"Content-Type must be image/png or image/jpeg, got {kind!r}")
    if len(body) > 1024 * 1024:
        return error_response(400, "The image must be 1 MB or smaller")
    if menu_id in state.images:
        return error_response(400, "An image has already been uploaded to the rich menu")
    size = state.rich_menus[menu_id].get("size", {})
    actual = image_size(body)
    if actual != (size.get("width"), size.get("height")):
        return error_response(400, f"The image is {actual}, the rich menu is {size}")
    state.images[menu_id] = (kind, body)
    return web.json_response({})
