"""What an attacker tried against the console: DNS rebinding, guessing the token with a
bearer header, a cookie kept past sign-out, open health details and metrics, huge forms."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bots.console import require_token_for
from bots.console.auth import SESSION_COOKIE
from bots.console.lockout import ATTEMPTS
from bots.settings import Settings
from core.errors import ConfigError
from core.storage import SubscriptionRepository
from tests.bots.console.conftest import TOKEN, ConsoleHarness, running_console

HTML = {"accept": "text/html"}
BEARER = {"authorization": f"Bearer {TOKEN}"}
PUBLIC_KEYS = {"status", "database", "platforms"}


async def sign_in(console: ConsoleHarness, token: str = TOKEN) -> httpx.Response:
    page = await console.http.get("/login", headers=HTML)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    return await console.http.post("/login", data={"csrf": csrf.group(1), "token": token})


# ---- DNS rebinding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8000",
        "127.0.0.1.evil.example",
        "localhost.evil.example:8000",
        "[::2]:8000",
        "10.0.0.1",
        "user@127.0.0.1",
        "127.0.0.1:port",
    ],
)
async def test_without_a_token_a_host_that_is_not_this_machine_is_refused(
    console: ConsoleHarness, host: str
) -> None:
    headers = {"host": host}
    page = await console.page("/deliveries", headers=headers)
    assert page.status_code == 403
    assert "HAISHIN_PUBLIC_URL" in page.text  # it says how to reach it legitimately
    assert (await console.http.get("/issues/1", headers=headers)).status_code == 403
    assert (await console.http.get("/metrics", headers=headers)).status_code == 403
    health = await console.http.get("/healthz", headers=headers)
    assert health.status_code == 200 and set(health.json()) == PUBLIC_KEYS


async def test_a_rebound_page_can_neither_read_a_token_nor_pause_a_subscription(
    console: ConsoleHarness,
) -> None:
    """The attack as it happens: the page on evil.example asks for a form, then posts it."""
    subs = SubscriptionRepository(console.services.db, clock=console.clock)
    sub = await subs.add(platform="line", target="U123")
    evil = {"host": "evil.example:8000", "origin": "http://evil.example:8000"}
    page = await console.page("/deliveries", headers=evil)
    assert page.status_code == 403 and 'name="csrf"' not in page.text
    token = await console.csrf()  # even with a real token (taken some other way)
    posted = await console.http.post(
        f"/deliveries/subscriptions/{sub.id}/pause", data={"csrf": token}, headers=evil
    )
    assert posted.status_code == 403
    stored = await subs.get(sub.id)
    assert stored is not None and stored.active


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:8000", "localhost.", "127.0.0.1", "127.8.9.10:1", "[::1]:80"]
)
async def test_loopback_names_and_addresses_are_this_machine(
    console: ConsoleHarness, host: str
) -> None:
    assert (await console.page("/", headers={"host": host})).status_code == 200
    health = (await console.http.get("/healthz", headers={"host": host})).json()
    assert "pid" in health and "feeds" in health


async def test_the_public_url_names_this_machine_too(tmp_path: Path) -> None:
    async with running_console(
        tmp_path, public_url="https://Haishin.Example.com/", base_url="https://haishin.example.com"
    ) as console:
        assert (await console.page("/")).status_code == 200
        assert (await console.page("/", headers={"host": "other.example.com"})).status_code == 403


# ---- /healthz and /metrics with a token --------------------------------------------------


async def test_with_a_token_healthz_says_only_liveness_unless_asked_with_it(
    guarded_console: ConsoleHarness,
) -> None:
    public = await guarded_console.http.get("/healthz")
    assert public.status_code == 200
    assert set(public.json()) == PUBLIC_KEYS
    assert public.json()["database"] == "ok"
    assert public.json()["platforms"] == {"slack": {"on": False}, "line": {"on": False}}
    detailed = (await guarded_console.http.get("/healthz", headers=BEARER)).json()
    assert {"pid", "feeds"} <= set(detailed)
    await sign_in(guarded_console)  # a signed-in browser sees the details too
    assert "pid" in (await guarded_console.http.get("/healthz")).json()


async def test_with_a_token_metrics_need_it(guarded_console: ConsoleHarness) -> None:
    refused = await guarded_console.http.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert "haishin_" not in refused.text
    wrong = await guarded_console.http.get("/metrics", headers={"authorization": "Bearer no"})
    assert wrong.status_code == 401
    metrics = await guarded_console.http.get("/metrics", headers=BEARER)
    assert metrics.status_code == 200 and "haishin_webhook_requests_total" in metrics.text


# ---- one lockout for every way of presenting the token ------------------------------------


async def test_wrong_bearer_tokens_are_limited_like_sign_ins(
    guarded_console: ConsoleHarness,
) -> None:
    for n in range(ATTEMPTS):
        path = ("/issues/1", "/metrics", "/healthz")[n % 3]
        await guarded_console.http.get(path, headers={"authorization": f"Bearer guess-{n}"})
    blocked = await guarded_console.http.get("/issues/1", headers=BEARER)
    assert blocked.status_code == 429  # even the right token waits now
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many wrong tokens" in blocked.text
    assert (await guarded_console.http.get("/metrics", headers=BEARER)).status_code == 429
    assert "pid" not in (await guarded_console.http.get("/healthz", headers=BEARER)).json()
    # The sign-in form shares the limit.
    assert (await sign_in(guarded_console)).status_code == 429
    guarded_console.clock.advance(timedelta(minutes=11))
    assert (await guarded_console.http.get("/issues/1", headers=BEARER)).status_code == 200


async def test_wrong_sign_ins_lock_out_the_bearer_header_too(
    guarded_console: ConsoleHarness,
) -> None:
    for n in range(ATTEMPTS):
        await sign_in(guarded_console, token=f"guess-{n}")
    assert (await guarded_console.http.get("/issues/1", headers=BEARER)).status_code == 429


async def test_the_limit_is_per_client_address(tmp_path: Path) -> None:
    async with running_console(
        tmp_path, admin_token=TOKEN, client=("2001:db8::1", 40000)
    ) as attacker:
        for n in range(ATTEMPTS):
            await attacker.http.get("/issues/1", headers={"authorization": f"Bearer g{n}"})
        assert (await attacker.http.get("/issues/1", headers=BEARER)).status_code == 429
        # Another address of the same /64 is the same machine; another /64 is not.
        app = attacker.http._transport.app  # type: ignore[attr-defined]
        for client, status in ((("2001:db8::2", 1), 429), (("2001:db8:0:1::1", 1), 200)):
            transport = httpx.ASGITransport(app=app, client=client)
            async with httpx.AsyncClient(transport=transport, base_url="http://h") as other:
                answer = await other.get("/issues/1", headers=BEARER)
                assert answer.status_code == status, client


# ---- sessions end at sign-out --------------------------------------------------------------


async def test_a_cookie_saved_before_sign_out_no_longer_works(
    guarded_console: ConsoleHarness,
) -> None:
    assert (await sign_in(guarded_console)).status_code == 303
    saved = guarded_console.http.cookies[SESSION_COOKIE]
    assert (await guarded_console.page("/")).status_code == 200
    assert (await guarded_console.post("/logout", {})).status_code == 303
    guarded_console.http.cookies.set(SESSION_COOKIE, saved)  # the copy an attacker kept
    assert (await guarded_console.page("/")).status_code == 303
    assert (await guarded_console.http.get("/issues/1")).status_code == 401
    assert "pid" not in (await guarded_console.http.get("/healthz")).json()


async def test_sign_out_ends_the_session_in_every_process(tmp_path: Path) -> None:
    """Two apps over one database (two ``serve`` processes): signing out at one ends the
    session at the other."""
    async with running_console(tmp_path, admin_token=TOKEN) as first:
        assert (await sign_in(first)).status_code == 303
        saved = first.http.cookies[SESSION_COOKIE]
        other_app = _second_app(first)
        async with other_app as second:
            second.cookies.set(SESSION_COOKIE, saved)
            assert (await second.get("/issues/1")).status_code == 200
            assert (await first.post("/logout", {})).status_code == 303
            assert (await second.get("/issues/1")).status_code == 401


def _second_app(console: ConsoleHarness) -> httpx.AsyncClient:
    from bots.server import create_app

    app = create_app(console.services, platforms={})
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def test_changing_the_token_ends_every_session(guarded_console: ConsoleHarness) -> None:
    from bots.server import create_app

    assert (await sign_in(guarded_console)).status_code == 303
    saved = guarded_console.http.cookies[SESSION_COOKIE]
    services = guarded_console.services
    settings = services.settings.model_copy(update={"admin_token": TOKEN + "-new"})
    app = create_app(dataclasses.replace(services, settings=settings), platforms={})
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        http.cookies.set(SESSION_COOKIE, saved)
        assert (await http.get("/issues/1")).status_code == 401


# ---- forms too large --------------------------------------------------------------------


async def test_a_paste_over_2_mb_gets_the_preview_page_saying_so(console: ConsoleHarness) -> None:
    token = await console.csrf("/preview")
    text = "# 2025-10-11\n\n" + "あ" * 700_000  # 2.1 MB of UTF-8
    # As a browser sends the preview form: multipart (it has a file input).
    response = await console.http.post(
        "/preview",
        data={"csrf": token, "name": "big.txt", "text": text},
        files={"file": ("", b"", "application/octet-stream")},
        headers=HTML,
    )
    assert response.status_code == 413
    assert 'action="/preview"' in response.text  # the preview page, its form to try again
    assert "2,000,000 bytes" in response.text


async def test_a_form_over_the_cap_is_refused_before_it_is_read(console: ConsoleHarness) -> None:
    token = await console.csrf("/try")
    response = await console.http.post(
        "/try", data={"csrf": token, "text": "x" * 5_000_000}, headers=HTML
    )
    assert response.status_code == 413
    assert "Form not accepted" in response.text


async def test_an_unreadable_form_gets_400_with_a_page(console: ConsoleHarness) -> None:
    await console.csrf("/try")
    response = await console.http.post(
        "/try",
        content=b"--x\r\nnot a part",
        headers={"content-type": "multipart/form-data; boundary=x", **HTML},
    )
    assert response.status_code == 400
    assert "Form not accepted" in response.text


async def test_a_huge_sign_in_form_is_not_read(guarded_console: ConsoleHarness) -> None:
    response = await guarded_console.http.post(
        "/login", data={"token": "x" * 1_000_000}, headers=HTML
    )
    assert response.status_code == 400
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("url", ["haishin.example.com", "ftp://haishin.example.com", "https://"])
def test_a_public_url_that_is_not_an_address_stops_serve_with_a_message(url: str) -> None:
    settings = Settings(_env_file=None, public_url=url, admin_token=None)
    with pytest.raises(ConfigError, match="HAISHIN_PUBLIC_URL"):
        require_token_for("127.0.0.1", settings)
