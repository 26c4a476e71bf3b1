"""Where workspace installs are kept: slack_sdk's SQLAlchemy store, tokens encrypted.

The store is slack_sdk's own (``AsyncSQLAlchemyInstallationStore``) over our tables; only
the token columns' type differs (``core.storage.secrets.EncryptedToken``), so every token
is encrypted as the store writes it and decrypted as it reads it. Multi-workspace mode
therefore needs ``HAISHIN_TOKEN_KEY`` (``Settings.slack_token_cipher``): without it
``haishin serve`` refuses to start, rather than write a workspace's token in plain text.
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from core.storage.database import Database
from core.storage.secrets import EncryptedToken, TokenCipher, reencrypt_tokens
from core.storage.slack_tables import TOKEN_COLUMNS

log = logging.getLogger("haishin.slack")


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store, storing its tokens encrypted with ``cipher``."""

    def __init__(self, client_id: str, engine: AsyncEngine, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        for table in (self.installations, self.bots):
            for name in TOKEN_COLUMNS[table.name]:
                table.c[name].type = EncryptedToken(cipher)


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
