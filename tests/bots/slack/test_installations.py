"""Workspace tokens at rest: encrypted in the database (SQLite and PostgreSQL), read back
through slack_sdk's store, plain-text rows from before encrypted, keys rotated."""

from __future__ import annotations

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import select

from bots.settings import Settings
from bots.slack.installations import EncryptedInstallationStore
from core.errors import ConfigError
from core.storage.database import Database
from core.storage.secrets import (
    TokenCipher,
    TokenKeyError,
    is_encrypted,
    new_key,
    reencrypt_tokens,
)
from core.storage.slack_tables import slack_bots, slack_installations

CLIENT_ID = "111.222"
OLD, NEW = new_key(), new_key()


def install(team: str, token: str, refresh: str | None = None) -> Installation:
    return Installation(
        app_id="A111",
        enterprise_id=None,
        team_id=team,
        bot_token=token,
        bot_refresh_token=refresh,
        bot_id="B111",
        bot_user_id="U111",
        bot_scopes=["chat:write"],
        user_id="U999",
    )


async def stored_tokens(db: Database) -> list[str]:
    """Every token column value as the database holds it."""
    values: list[str] = []
    async with db.engine.connect() as conn:
        for table, columns in (
            (slack_bots, ("bot_token", "bot_refresh_token")),
            (slack_installations, ("bot_token", "bot_refresh_token")),
        ):
            for row in await conn.execute(select(*(table.c[c] for c in columns))):
                values.extend(v for v in row if v is not None)
    return values


async def test_tokens_are_encrypted_in_the_database_and_read_back(database: Database) -> None:
    store = EncryptedInstallationStore(CLIENT_ID, database.engine, TokenCipher([NEW]))
    token, refresh = "xoxb-T1-secret-token", "xoxe-1-refresh-" + "r" * 140  # rotation tokens
    await store.async_save(install("T1", token, refresh))

    raw = await stored_tokens(database)
    assert len(raw) == 4 and all(is_encrypted(v) for v in raw)
    assert not any(token in v or refresh in v for v in raw)
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and (bot.bot_token, bot.bot_refresh_token) == (token, refresh)
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == token
    # Another key can't read them.
    other = EncryptedInstallationStore(CLIENT_ID, database.engine, TokenCipher([OLD]))
    with pytest.raises(TokenKeyError, match="put the old key back"):
        await other.async_find_bot(enterprise_id=None, team_id="T1")


async def test_plain_text_rows_from_before_are_encrypted_and_keys_rotate(
    database: Database,
) -> None:
    plain = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=database.engine)
    await plain.async_save(install("T1", "xoxb-T1-plain"))  # as haishin stored it before
    old = TokenCipher([OLD])
    reader = EncryptedInstallationStore(CLIENT_ID, database.engine, old)  # reads them as they are
    found = await reader.async_find_bot(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-T1-plain"

    done = await reencrypt_tokens(database, old)
    assert (done.tokens, done.plain) == (2, 2)
    assert all(old.is_current(v) for v in await stored_tokens(database))
    assert (await reencrypt_tokens(database, old)).tokens == 0  # nothing left to do

    # Rotation: the new key first, the old one still there to read with.
    both = TokenCipher([NEW, OLD])
    assert (await reencrypt_tokens(database, both)).tokens == 2
    new_only = TokenCipher([NEW])
    assert all(new_only.is_current(v) for v in await stored_tokens(database))
    store = EncryptedInstallationStore(CLIENT_ID, database.engine, new_only)
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-T1-plain"


async def test_a_key_dropped_too_soon_changes_nothing(database: Database) -> None:
    store = EncryptedInstallationStore(CLIENT_ID, database.engine, TokenCipher([OLD]))
    await store.async_save(install("T1", "xoxb-T1-secret"))
    before = await stored_tokens(database)
    with pytest.raises(TokenKeyError):
        await reencrypt_tokens(database, TokenCipher([NEW]))
    assert await stored_tokens(database) == before


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        (None, "HAISHIN_TOKEN_KEY"),
        ("", "haishin keys new"),
        ("not-a-key", "key 1 of 1 is not a Fernet key"),
        (f"{NEW},short", "key 2 of 2 is not a Fernet key"),
    ],
    ids=[
        "unset",
        "empty",
        "not-a-key",
        "second-key-short",
    ],  # NEW is random: xdist needs stable ids
)
def test_multi_workspace_mode_needs_a_real_key(setting: str | None, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        Settings(_env_file=None, token_key=setting).slack_token_cipher()
    assert Settings(_env_file=None, token_key=f"{NEW}, {OLD}").slack_token_cipher().keys == 2
