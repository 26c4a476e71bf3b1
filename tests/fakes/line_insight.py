"""The insight endpoints of the fake LINE API, answering as ``insight.yml`` describes.

- ``GET /v2/bot/insight/message/event?requestId=…``: the statistics of a broadcast or
  narrowcast the fake accepted (``delivered`` is its reach; opens and clicks are null, as
  LINE answers below 20 people, unless a test set them in ``message_events``); 404 for a
  request id it never sent.
- ``GET /v2/bot/insight/followers?date=yyyyMMdd``: what a test put in ``follower_counts``
  for that day, else ``{"status": "unready"}`` (LINE counts a day once it is over).

Every answer is checked against the spec's response schema before it goes out, so a test
can't make the fake say what LINE never would.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from tests.fakes.line_openapi import check_schema
from tests.fakes.line_records import Delivery, error_response

INSIGHT = "/v2/bot/insight/"
SPEC = "insight.yml"


def insight_route(
    method: str,
    path: str,
    query: str,
    *,
    sent: list[Delivery],
    friends: int,
    message_events: dict[str, dict[str, Any]],
    follower_counts: dict[str, dict[str, Any]],
) -> web.Response | None:
    """The answer to an insight request, or None when ``path`` is not one."""
    if not path.startswith(INSIGHT) or method != "GET":
        return None
    params = {key: values[0] for key, values in parse_qs(query).items()}
    if path == INSIGHT + "message/event":
        request_id = params.get("requestId", "")
        document = message_events.get(request_id)
        if document is None:
            delivery = next((d for d in sent if d.request_id == request_id), None)
            if delivery is None or delivery.endpoint not in ("broadcast", "narrowcast"):
                return error_response(404, "Not found")
            document = message_event(delivery, friends)
        check_schema(SPEC, "GetMessageEventResponse", document)
        return web.json_response(document)
    if path == INSIGHT + "followers":
        document = follower_counts.get(params.get("date", ""), {"status": "unready"})
        check_schema(SPEC, "GetNumberOfFollowersResponse", document)
        return web.json_response(document)
    return error_response(404, "Not found")


def message_event(delivery: Delivery, friends: int) -> dict[str, Any]:
    """What LINE reports for a send nobody was counted opening (fewer than 20 people)."""
    reached = friends if delivery.endpoint == "broadcast" else len(delivery.to)
    return {
        "overview": {
            "requestId": delivery.request_id,
            "timestamp": 1759528800,
            "delivered": reached,
            "uniqueImpression": None,
            "uniqueClick": None,
            "uniqueMediaPlayed": None,
            "uniqueMediaPlayed100Percent": None,
        },
        "messages": [
            {"seq": index + 1, "impression": None} for index in range(len(delivery.messages))
        ],
        "clicks": [],
    }
