"""The fake LINE API is strict where LINE is: these tests keep it honest for everyone who
relies on it (the LINE bot, the delivery ledger, the benchmarks)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.bots.line.conftest import TOKEN
from tests.fakes.line_api import FakeLineApi, users

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = [{"type": "text", "text": "こんにちは"}]


# One client for the module: building one per request (its TLS context) costs ~50 ms.
HTTP = httpx.Client(timeout=10)


def post(fake: FakeLineApi, path: str, body: Any, **headers: str) -> httpx.Response:
    return HTTP.post(fake.url + path, json=body, headers={**AUTH, **headers})


def test_a_wrong_token_gets_401(line_api: FakeLineApi) -> None:
    response = HTTP.post(
        line_api.url + "/v2/bot/message/push",
        json={"to": "U1", "messages": TEXT},
        headers={"Authorization": "Bearer wrong"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"to": "U1", "messages": [{"type": "text"}]}, "'text' is a required property"),
        ({"to": "U1", "messages": [{"type": "bogus"}]}, "unknown type 'bogus'"),
        ({"to": "U1", "messages": TEXT * 6}, "messages"),
        ({"to": "U1", "messages": [{"type": "text", "text": "🚀" * 2501}]}, "5002 UTF-16 units"),
        (
            {
                "to": "U1",
                "messages": [
                    {
                        "type": "text",
                        "text": "x",
                        "quickReply": {
                            "items": [
                                {
                                    "type": "action",
                                    "action": {"type": "postback", "label": "a" * 21, "data": "d"},
                                }
                            ]
                        },
                    }
                ],
            },
            "must be 1..20 characters",
        ),
    ],
)
def test_bodies_break_the_spec_or_limits_get_400_with_the_reason(
    line_api: FakeLineApi, body: dict[str, Any], reason: str
) -> None:
    response = post(line_api, "/v2/bot/message/push", body)
    assert response.status_code == 400
    assert reason in response.json()["message"]
    assert line_api.deliveries == []


def test_a_carousel_over_12_bubbles_is_refused(line_api: FakeLineApi) -> None:
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": []}}
    flex = {
        "type": "flex",
        "altText": "x",
        "contents": {"type": "carousel", "contents": [bubble] * 13},
    }
    response = post(line_api, "/v2/bot/message/push", {"to": "U1", "messages": [flex]})
    assert response.status_code == 400 and "13 bubbles" in response.json()["message"]


def test_retry_keys_accept_once_then_answer_409(line_api: FakeLineApi) -> None:
    key = str(uuid.uuid4())
    body = {"to": users(2), "messages": TEXT}
    first = post(line_api, "/v2/bot/message/multicast", body, **{"X-Line-Retry-Key": key})
    again = post(line_api, "/v2/bot/message/multicast", body, **{"X-Line-Retry-Key": key})
    assert first.status_code == 200 and again.status_code == 409
    assert again.headers["X-Line-Accepted-Request-Id"] == first.headers["X-Line-Request-Id"]
    assert len(line_api.deliveries) == 1


def test_a_retry_key_on_a_reply_or_not_a_uuid_is_refused(line_api: FakeLineApi) -> None:
    reply = post(
        line_api,
        "/v2/bot/message/reply",
        {"replyToken": "t", "messages": TEXT},
        **{"X-Line-Retry-Key": str(uuid.uuid4())},
    )
    push = post(
        line_api,
        "/v2/bot/message/push",
        {"to": "U1", "messages": TEXT},
        **{"X-Line-Retry-Key": "delivery-1"},
    )
    assert (reply.status_code, push.status_code) == (400, 400)


def test_a_reply_token_works_once(line_api: FakeLineApi) -> None:
    body = {"replyToken": "rt-1", "messages": TEXT}
    assert post(line_api, "/v2/bot/message/reply", body).status_code == 200
    second = post(line_api, "/v2/bot/message/reply", body)
    assert second.status_code == 400 and second.json()["message"] == "Invalid reply token"


def test_faults_on_demand_with_retry_after(line_api: FakeLineApi) -> None:
    line_api.fail_next("/v2/bot/message/push", 429, retry_after=3, times=2)
    answers = [
        post(line_api, "/v2/bot/message/push", {"to": "U1", "messages": TEXT}) for _ in "abc"
    ]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "3"


def test_rate_limits_are_enforced_per_endpoint_on_demand() -> None:
    clock = [0.0]
    with FakeLineApi(token=TOKEN, enforce_rate_limits=True, now=lambda: clock[0]) as fake:
        body = {"messages": TEXT}
        statuses = [post(fake, "/v2/bot/message/broadcast", body).status_code for _ in range(61)]
        clock[0] += 3600
        later = post(fake, "/v2/bot/message/broadcast", body).status_code
        pushes = {
            post(fake, "/v2/bot/message/push", {"to": "U1", "messages": TEXT}).status_code
            for _ in range(5)
        }
    assert statuses.count(200) == 60 and statuses[-1] == 429
    assert later == 200 and pushes == {200}


def test_the_quota_counts_recipients_and_refuses_past_the_limit() -> None:
    with FakeLineApi(token=TOKEN, quota=10, friends=6) as fake:
        assert post(fake, "/v2/bot/message/broadcast", {"messages": TEXT}).status_code == 200
        body = {"to": users(3), "messages": TEXT}
        assert post(fake, "/v2/bot/message/multicast", body).status_code == 200
        over = post(fake, "/v2/bot/message/multicast", body)
        quota = HTTP.get(fake.url + "/v2/bot/message/quota", headers=AUTH).json()
        used = HTTP.get(fake.url + "/v2/bot/message/quota/consumption", headers=AUTH).json()
    assert over.status_code == 429 and "monthly limit" in over.json()["message"]
    assert quota == {"type": "limited", "value": 10} and used == {"totalUsage": 9}


def test_profiles_are_served_and_unknown_users_are_404(line_api: FakeLineApi) -> None:
    line_api.profiles["U1"] = {"userId": "U1", "displayName": "読者", "language": "ja"}
    known = HTTP.get(line_api.url + "/v2/bot/profile/U1", headers=AUTH)
    unknown = HTTP.get(line_api.url + "/v2/bot/profile/U2", headers=AUTH)
    assert known.json()["language"] == "ja" and unknown.status_code == 404


def test_random_faults_for_benchmarks_are_seeded() -> None:
    def run() -> list[int]:
        with FakeLineApi(token=TOKEN, fault_rate=0.3, seed=7) as fake:
            return [
                post(fake, "/v2/bot/message/push", {"to": "U1", "messages": TEXT}).status_code
                for _ in range(20)
            ]

    first, second = run(), run()
    assert first == second and {429, 500} & set(first) and 200 in first


def test_history_can_be_bounded_for_soak_runs() -> None:
    with FakeLineApi(token=TOKEN, history=3) as fake:
        for n in range(10):
            post(fake, "/v2/bot/message/reply", {"replyToken": f"t{n}", "messages": TEXT})
        assert len(fake.calls()) == 3 and len(fake.deliveries) == 3
        assert [d.to for d in fake.replies()] == [("t7",), ("t8",), ("t9",)]
