"""The friend endpoints of the fake LINE API: who the friends are, audiences, narrowcasts.

Answers as ``messaging-api.yml`` and ``manage-audience.yml`` describe (every answer is
checked against the spec's response schema before it goes out):

- ``GET /v2/bot/followers/ids?start=&limit=``: the friends in pages (300 by default, at most
  1,000) with a ``next`` token; 403 for an account that isn't verified or premium
  (``Friends.ids_allowed = False``), as LINE answers.
- ``POST/PUT /v2/bot/audienceGroup/upload`` (at most 10,000 ids a call), ``GET`` and
  ``DELETE /v2/bot/audienceGroup/{id}``: an uploaded audience is ``IN_PROGRESS`` until it is
  first looked at, then ``READY``; an unknown id is 400 ``AUDIENCE_GROUP_NOT_FOUND``.
- ``POST /v2/bot/message/narrowcast`` (202) with a ``recipient`` of audiences and
  ``and``/``or``/``not`` operators over the friends; ``GET
  /v2/bot/message/progress/narrowcast`` walks ``waiting`` -> ``sending`` -> ``succeeded``
  one step per look. An audience of fewer than 50 people in the recipient fails it
  (``errorCode`` 4) and nobody gets anything; no one left to send to is ``errorCode`` 2.
  A narrowcast naming an audience that is not ``READY`` is refused with 400 (an assumption:
  LINE's reference says only that the audience must be usable).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from tests.fakes.line_openapi import check_schema
from tests.fakes.line_records import error_response

AUDIENCE_MINIMUM = 50
UPLOAD_MAX = 10_000
PAGE_DEFAULT = 300
PAGE_MAX = 1000
PHASES = ("waiting", "sending", "succeeded")
ACCEPTED = "2025-10-03T22:05:00.000Z"


@dataclass
class Audience:
    audience_group_id: int
    description: str
    members: set[str]
    status: str = "IN_PROGRESS"
    jobs: int = 0


@dataclass
class Progress:
    request_id: str
    target: int
    looks: int = 0
    error_code: int | None = None
    description: str = ""


@dataclass
class Friends:
    """The account's friends and what the fake keeps about audiences and narrowcasts."""

    ids: list[str] = field(default_factory=list)
    ids_allowed: bool = True
    audiences: dict[int, Audience] = field(default_factory=dict)
    deleted: list[int] = field(default_factory=list)
    narrowcasts: dict[str, Progress] = field(default_factory=dict)
    _next_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1234567890001))

    def route(self, method: str, path: str, query: str, body: Any) -> web.Response | None:
        """The answer to a friend or audience request, or None when ``path`` is not one."""
        params = {key: values[0] for key, values in parse_qs(query).items()}
        if path == "/v2/bot/followers/ids" and method == "GET":
            return self._ids(params)
        if path == "/v2/bot/audienceGroup/upload":
            if method == "POST":
                return self._create(body)
            if method == "PUT":
                return self._add(body)
        prefix = "/v2/bot/audienceGroup/"
        if path.startswith(prefix) and path[len(prefix) :].isdigit():
            return self._one(method, int(path[len(prefix) :]))
        if path == "/v2/bot/message/progress/narrowcast" and method == "GET":
            return self._progress(params.get("requestId", ""))
        return None

    def _ids(self, params: dict[str, str]) -> web.Response:
        if not self.ids_allowed:
            return error_response(403, "Access to this API is not available for your account")
        limit = int(params.get("limit", PAGE_DEFAULT))
        start = int(params.get("start", "0") or 0)
        page = self.ids[start : start + limit]
        document: dict[str, Any] = {"userIds": page}
        if start + limit < len(self.ids):
            document["next"] = str(start + limit)
        check_schema("messaging-api.yml", "GetFollowersResponse", document)
        return web.json_response(document)

    def _create(self, body: dict[str, Any]) -> web.Response:
        ids = [a["id"] for a in body.get("audiences", []) if "id" in a]
        if len(ids) > UPLOAD_MAX:
            return error_response(400, f"audiences: at most {UPLOAD_MAX} a request")
        audience = Audience(next(self._next_id), body.get("description", ""), set(ids), jobs=1)
        self.audiences[audience.audience_group_id] = audience
        document = {
            "audienceGroupId": audience.audience_group_id,
            "createRoute": "MESSAGING_API",
            "type": "UPLOAD",
            "description": audience.description,
            "created": 1759529100,
            "permission": "READ_WRITE",
            "expireTimestamp": 1775081100,
            "isIfaAudience": False,
        }
        check_schema("manage-audience.yml", "CreateAudienceGroupResponse", document)
        return web.json_response(document, status=202)

    def _add(self, body: dict[str, Any]) -> web.Response:
        audience = self.audiences.get(int(body.get("audienceGroupId", 0)))
        if audience is None:
            return _not_found()
        ids = [a["id"] for a in body.get("audiences", []) if "id" in a]
        if len(ids) > UPLOAD_MAX:
            return error_response(400, f"audiences: at most {UPLOAD_MAX} a request")
        audience.members.update(ids)
        audience.jobs += 1
        audience.status = "IN_PROGRESS"
        return web.json_response({}, status=202)

    def _one(self, method: str, audience_group_id: int) -> web.Response:
        audience = self.audiences.get(audience_group_id)
        if audience is None:
            return _not_found()
        if method == "DELETE":
            del self.audiences[audience_group_id]
            self.deleted.append(audience_group_id)
            return web.json_response({})
        if method != "GET":
            return error_response(405, "Method not allowed")
        shown = audience.status
        audience.status = "READY"  # processed by the next look
        document = {
            "audienceGroup": {
                "audienceGroupId": audience.audience_group_id,
                "type": "UPLOAD",
                "description": audience.description,
                "status": shown,
                "audienceCount": len(audience.members),
                "created": 1759529100,
                "permission": "READ_WRITE",
                "isIfaAudience": False,
                "createRoute": "MESSAGING_API",
            },
            "jobs": [],
        }
        check_schema("manage-audience.yml", "GetAudienceDataResponse", document)
        return web.json_response(document)

    def narrowcast(self, request: dict[str, Any]) -> tuple[set[str] | None, str | None, int]:
        """Who a narrowcast reaches: (recipients or None when it fails, a 400 reason, error
        code). Recipients are the friends the ``recipient`` selects (every friend without
        one)."""
        recipient = request.get("recipient")
        if recipient is None:
            return set(self.ids), None, 0
        small = False

        def select(node: dict[str, Any]) -> set[str]:
            nonlocal small
            if node.get("type") == "audience":
                audience = self.audiences.get(int(node.get("audienceGroupId", 0)))
                if audience is None:
                    raise LookupError("audience group not found")
                if audience.status != "READY":
                    raise LookupError(f"audience group {audience.audience_group_id} is not ready")
                small = small or len(audience.members) < AUDIENCE_MINIMUM
                return audience.members & set(self.ids)
            if node.get("type") == "operator":
                chosen = set(self.ids)
                if "and" in node:
                    for part in node["and"]:
                        chosen &= select(part)
                if "or" in node:
                    chosen &= set().union(*(select(part) for part in node["or"]))
                if "not" in node:
                    chosen -= select(node["not"])
                return chosen
            raise LookupError(f"recipient type {node.get('type')!r} is not served by the fake")

        try:
            chosen = select(recipient)
        except LookupError as exc:
            return None, str(exc), 0
        if small:
            return None, None, 4
        if not chosen:
            return None, None, 2
        return chosen, None, 0

    def accepted(self, request_id: str, target: int, error_code: int) -> None:
        """Track a narrowcast's progress from its acceptance."""
        text = {
            2: "not enough recipients",
            4: "an audience of less than 50 recipients is included",
        }.get(error_code, "")
        self.narrowcasts[request_id] = Progress(request_id, target, 0, error_code or None, text)

    def _progress(self, request_id: str) -> web.Response:
        progress = self.narrowcasts.get(request_id)
        if progress is None:
            return error_response(404, "Not found")
        progress.looks += 1
        document: dict[str, Any] = {"acceptedTime": ACCEPTED}
        if progress.error_code is not None:
            document |= {
                "phase": "failed",
                "failedDescription": progress.description,
                "errorCode": progress.error_code,
                "completedTime": _now(),
            }
        else:
            phase = PHASES[min(progress.looks - 1, len(PHASES) - 1)]
            document["phase"] = phase
            if phase == "succeeded":
                document |= {
                    "successCount": progress.target,
                    "failureCount": 0,
                    "targetCount": progress.target,
                    "completedTime": _now(),
                }
        check_schema("messaging-api.yml", "NarrowcastProgressResponse", document)
        return web.json_response(document)


def _not_found() -> web.Response:
    response = error_response(400, "audience group not found")
    return response


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
