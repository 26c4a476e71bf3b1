"""How the fake LINE API checks a request: LINE's OpenAPI spec, then the limits it lacks.

Validation with openapi-core costs a few milliseconds, so a message set that passed once is
not checked again when only its recipients (``to``, ``replyToken``) differ: a fan-out of one
digest to many audiences, or a load test of one answer, is checked once.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from typing import Any

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

from tests.fakes.line_limits import check_extra_limits
from tests.fakes.line_openapi import explain, load_spec

_CHECKED = 4096


@functools.cache
def messaging_api() -> OpenAPI:
    """The Messaging API spec, parsed once per test session (it takes a good part of a second)."""
    return OpenAPI.from_dict(load_spec("messaging-api.yml"))


@functools.cache
def insight_api() -> OpenAPI:
    """The Insight API spec (``/v2/bot/insight/...``), parsed once per test session."""
    return OpenAPI.from_dict(load_spec("insight.yml"))


@functools.cache
def audience_api() -> OpenAPI:
    """The Manage Audience spec (``/v2/bot/audienceGroup/...``), parsed once per session."""
    return OpenAPI.from_dict(load_spec("manage-audience.yml"))


class RequestChecker:
    """Checks requests against the spec; remembers the message sets that passed."""

    def __init__(self) -> None:
        self._api = messaging_api()
        self._insight = insight_api()
        self._audience = audience_api()
        self._passed: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def check(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> str | None:
        """None when LINE would take the request, else ``"400 reason"`` / ``"404 reason"``."""
        content_type = headers.get("content-type", "application/json").split(";")[0]
        is_json = content_type == "application/json"
        key = (f"{method} {path}", _canonical(body) if is_json else "")
        if is_json and key in self._passed:
            return None
        request = MockRequest(
            "https://api.line.me",
            method.lower(),
            path,
            args=_query(query),
            headers=headers,
            data=body,
            content_type=content_type,
        )
        api = self._api
        if path.startswith("/v2/bot/insight/"):
            api = self._insight
        elif path.startswith("/v2/bot/audienceGroup/"):
            api = self._audience
        try:
            api.validate_request(request)
        except Exception as exc:
            errors = getattr(exc.__cause__, "schema_errors", None)
            reason = explain(list(errors)) if errors else str(exc)
            status = 404 if "not found" in type(exc).__name__.lower() else 400
            return f"{status} The request body has problems: {reason}"[:1000]
        if is_json and body:
            try:
                check_extra_limits(path, json.loads(body))
            except ValueError as exc:
                return f"400 The request body has problems: {exc}"
            with self._lock:
                self._passed[key] = None
                if len(self._passed) > _CHECKED:
                    self._passed.popitem(last=False)
        return None


def _canonical(body: bytes) -> str:
    # Sends that differ only in who they go to validate alike: one check per message set.
    try:
        document = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
    if isinstance(document, dict):
        for key in ("to", "replyToken"):
            if key in document:
                document[key] = _shape(document[key])
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def _shape(value: Any) -> Any:
    if isinstance(value, list):
        return [len(value), all(isinstance(v, str) for v in value)]
    return type(value).__name__


def _query(query: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair)
