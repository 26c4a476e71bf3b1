"""Where workspace installs are kept: slack_sdk's SQLAlchemy store, tokens encrypted.

The store is slack_sdk's own (``AsyncSQLAlchemyInstallationStore``) over our tables; only
the token columns' type differs (``core.storage.secrets.EncryptedToken``), so every token
is encrypted as the store writes it and decrypted as it reads it. Multi-workspace mode
therefore needs ``HAISHIN_TOKEN_KEY``: without it ``haishin serve`` refuses to start,
rather than write a workspace's token in plain text.
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import ConfigError
from core.storage.database import Database
from core.storage.secrets import (
    KEY_VARIABLE,
    EncryptedToken,
    TokenCipher,
    new_key_hint,
    reencrypt_tokens,
)
from core.storage.slack_tables import TOKEN_COLUMNS

log = logging.getLogger("haishin.slack")


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store, storing its tokens encrypted with ``cipher``."""

    def __init__(self, client_id: str, engine: AsyncEngine, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        for table in (self.installations, self.bots):
            for name in TOKEN_COLUMNS[table.name]:
                table.c[name].type = EncryptedToken(cipher)


def token_cipher(setting: str | None) -> TokenCipher:
    """The keys multi-workspace mode stores tokens with.

    Raises:
        ConfigError: ``HAISHIN_TOKEN_KEY`` is unset or holds something that is not a key.
    """
    cipher = TokenCipher.from_setting(setting)
    if cipher is None:
        raise ConfigError(
            "Slack is set to install into workspaces (SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET), which keeps each workspace's bot token in the database; "
            f"haishin stores those encrypted, with the key in {KEY_VARIABLE}: "
            f"{new_key_hint()} (keep it safe: without it the installs must be made again)"
        )
    return cipher


async def encrypt_stored_tokens(db: Database, cipher: TokenCipher) -> None:
    """Bring every stored token under the newest key (plain text from before, too).

    Raises:
        TokenKeyError: a token is under none of the keys; nothing is changed.
    """
    done = await reencrypt_tokens(db, cipher)
    if done.tokens:
        log.info(
            "Slack tokens at rest: %d re-encrypted with the newest key (%d were plain text)",
            done.tokens,
            done.plain,
        )
