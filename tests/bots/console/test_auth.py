"""Who may open the console: loopback only without a token; the token (login or bearer) with
one; and ``serve`` refusing a public address without a strong token."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app as cli
from bots.console import require_token_for
from bots.console.auth import SESSION_COOKIE
from bots.console.hosts import is_loopback
from bots.console.lockout import ATTEMPTS as LOGIN_ATTEMPTS
from bots.settings import Settings
from core.errors import ConfigError
from tests.bots.console.conftest import TOKEN, ConsoleHarness, running_console

HTML = {"accept": "text/html"}


async def login(console: ConsoleHarness, token: str = TOKEN, next_page: str = "/") -> object:
    page = await console.http.get("/login", headers=HTML)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    return await console.http.post(
        "/login", data={"csrf": csrf.group(1), "token": token, "next": next_page}
    )


async def test_without_a_token_loopback_clients_get_in(console: ConsoleHarness) -> None:
    assert (await console.page("/")).status_code == 200
    assert "Sign out" not in (await console.page("/")).text
    # /login has nothing to ask: straight on.
    response = await console.http.get("/login?next=/deliveries")
    assert response.status_code == 303
    assert response.headers["location"] == "/deliveries"


async def test_without_a_token_other_machines_are_refused(tmp_path: Path) -> None:
    async with running_console(tmp_path, client=("203.0.113.7", 40000)) as console:
        page = await console.page("/")
        assert page.status_code == 403
        assert "HAISHIN_ADMIN_TOKEN is unset" in page.text
        api = await console.http.get("/issues/1")
        assert api.status_code == 403
        # The platforms' own routes are not the console's to refuse.
        assert (await console.http.get("/healthz")).status_code == 200


async def test_with_a_token_the_browser_is_sent_to_sign_in(
    guarded_console: ConsoleHarness,
) -> None:
    response = await guarded_console.page("/issues/1?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/issues/1%3Fx%3D1"
    form = await guarded_console.http.get(response.headers["location"], headers=HTML)
    assert form.status_code == 200
    assert 'type="password"' in form.text
    api = await guarded_console.http.get("/issues/1")
    assert api.status_code == 401
    assert api.headers["www-authenticate"] == "Bearer"


async def test_signing_in_sets_a_session_that_opens_every_page(
    guarded_console: ConsoleHarness,
) -> None:
    response = await login(guarded_console, next_page="/issues/1")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/issues/1"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    for path in ("/", "/issues/1", "/try", "/deliveries", "/preview"):
        assert (await guarded_console.page(path)).status_code == 200, path
    # Signed in, forms work with their CSRF token.
    answer = await guarded_console.post("/try", {"text": "最新トピック"})
    assert "CoreWeave" in answer.text
    # Signing out ends it.
    out = await guarded_console.post("/logout", {})
    assert out.status_code == 303
    assert (await guarded_console.page("/")).status_code == 303


async def test_a_wrong_token_is_refused_and_guessing_is_throttled(
    guarded_console: ConsoleHarness,
) -> None:
    wrong = await login(guarded_console, token="not-the-token")
    assert wrong.status_code == 401  # type: ignore[attr-defined]
    assert "That is not the admin token." in wrong.text  # type: ignore[attr-defined]
    for _ in range(LOGIN_ATTEMPTS - 1):
        await login(guarded_console, token="still-wrong")
    blocked = await login(guarded_console)  # even the right token must wait now
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    assert "Too many wrong tokens" in blocked.text  # type: ignore[attr-defined]
    guarded_console.clock.advance(timedelta(minutes=11))
    assert (await login(guarded_console)).status_code == 303  # type: ignore[attr-defined]


async def test_a_forged_or_expired_session_is_refused(guarded_console: ConsoleHarness) -> None:
    await login(guarded_console)
    good = guarded_console.http.cookies[SESSION_COOKIE]
    for forged in (secrets.token_urlsafe(32), good[:-1] + ("A" if good[-1] != "A" else "B"), "x"):
        guarded_console.http.cookies.set(SESSION_COOKIE, forged)
        assert (await guarded_console.page("/")).status_code == 303
    guarded_console.http.cookies.set(SESSION_COOKIE, good)
    assert (await guarded_console.page("/")).status_code == 200
    guarded_console.clock.advance(timedelta(days=8))
    assert (await guarded_console.page("/")).status_code == 303


async def test_bearer_token_opens_pages_and_forms_without_csrf(
    guarded_console: ConsoleHarness,
) -> None:
    bearer = {"authorization": f"Bearer {TOKEN}"}
    assert (await guarded_console.http.get("/issues/1", headers=bearer)).status_code == 200
    answer = await guarded_console.http.post(
        "/try", data={"platform": "line", "text": "編集後記"}, headers=bearer
    )
    assert answer.status_code == 200
    assert "【編集後記】" in answer.text
    wrong = {"authorization": "Bearer nope"}
    assert (await guarded_console.http.get("/issues/1", headers=wrong)).status_code == 401


async def test_login_form_needs_its_csrf_token(guarded_console: ConsoleHarness) -> None:
    await guarded_console.http.get("/login", headers=HTML)
    response = await guarded_console.http.post("/login", data={"token": TOKEN})
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


async def test_sign_in_never_redirects_off_site(guarded_console: ConsoleHarness) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = await login(guarded_console, next_page=target)
        assert response.headers["location"] == "/", target  # type: ignore[attr-defined]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_addresses_need_no_token(host: str) -> None:
    assert is_loopback(host)
    require_token_for(host, Settings(_env_file=None, admin_token=None))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "haishin.example.com"])
def test_public_addresses_need_a_strong_token(host: str) -> None:
    with pytest.raises(ConfigError, match="HAISHIN_ADMIN_TOKEN"):
        require_token_for(host, Settings(_env_file=None, admin_token=None))
    with pytest.raises(ConfigError, match="at least 16"):
        require_token_for(host, Settings(_env_file=None, admin_token="short"))
    require_token_for(host, Settings(_env_file=None, admin_token=TOKEN))


def test_serve_refuses_a_public_address_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.delenv("HAISHIN_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("HAISHIN_DATABASE_URL", f"sqlite:///{tmp_path / 'h.db'}")
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "9"])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "refusing to listen on 0.0.0.0" in output
    assert "Set HAISHIN_ADMIN_TOKEN" in output
    assert not (tmp_path / "h.db").exists()  # it stopped before touching anything
