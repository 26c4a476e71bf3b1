"""Tokens at rest: encrypted with keys from the environment, never stored in plain text.

Slack workspace installs (OAuth) leave a bot token in the database. Anyone who can read
the database file or a backup of it would otherwise hold every workspace's token. Tokens
are encrypted with Fernet (AES-128-CBC with an HMAC, from the ``cryptography`` package)
through ``MultiFernet``, which is what makes key rotation possible: the first key encrypts,
every key decrypts, and ``MultiFernet.rotate`` re-encrypts with the first.

- ``TokenCipher``: the keys (read at the edge, ``HAISHIN_TOKEN_KEY``; core reads no
  environment);
- ``EncryptedToken``: a column type that encrypts on the way in and decrypts on the way out,
  so the stores that use it never see ciphertext;
- ``reencrypt_tokens``: every stored token under the newest key (plain-text rows from
  before encryption too); ``haishin serve`` runs it at start, ``haishin keys rotate`` on
  demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import String, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from core.errors import ConfigError
from core.storage.database import Database
from core.storage.slack_tables import TOKEN_COLUMNS, TOKEN_LENGTH, slack_bots, slack_installations

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

KEY_VARIABLE = "HAISHIN_TOKEN_KEY"
# Every Fernet token starts with its version byte (0x80) and a 64-bit timestamp whose high
# bytes are zero until the year 10889: base64, that is "gAAAAA". No Slack token does.
_FERNET_PREFIX = "gAAAAA"


class TokenKeyError(ConfigError):
    """A stored token can't be decrypted with the keys given (a key was dropped too soon)."""


class TokenCipher:
    """Fernet keys: the first encrypts, all decrypt.

    Args:
        keys: URL-safe base64 Fernet keys (``Fernet.generate_key()``), newest first.

    Raises:
        ConfigError: no key, or one that is not a Fernet key; the message names which.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        # Imported here: only a process that holds keys pays for ``cryptography`` (7 MB).
        from cryptography.fernet import Fernet, MultiFernet

        if not keys:
            raise ConfigError(f"{KEY_VARIABLE} holds no key; {new_key_hint()}")
        fernets: list[Fernet] = []
        for index, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                raise ConfigError(
                    f"{KEY_VARIABLE}: key {index} of {len(keys)} is not a Fernet key (44 "
                    f"characters of URL-safe base64); {new_key_hint()}"
                ) from None
        self._newest = fernets[0]
        self._all = MultiFernet(fernets)
        self.keys = len(fernets)

    @classmethod
    def from_setting(cls, value: str | None) -> TokenCipher | None:
        """The cipher a setting names: keys separated by commas (or spaces), newest first;
        None when the setting is unset or blank."""
        keys = [k for k in (value or "").replace(",", " ").split() if k]
        return cls(keys) if keys else None

    def encrypt(self, token: str) -> str:
        """The token encrypted with the newest key."""
        return self._all.encrypt(token.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        """The token a stored value holds; a plain-text value from before encryption is
        returned as it is (``reencrypt_tokens`` encrypts it).

        Raises:
            TokenKeyError: it is encrypted, but with none of the keys.
        """
        from cryptography.fernet import InvalidToken

        if not is_encrypted(stored):
            return stored
        try:
            return self._all.decrypt(stored.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise TokenKeyError(
                f"a stored token was encrypted with a key that is not in {KEY_VARIABLE}; "
                "put the old key back after the new one (new,old) until `haishin keys "
                "rotate` has re-encrypted every token"
            ) from None

    def is_current(self, stored: str) -> bool:
        """True when the value is encrypted with the newest key."""
        from cryptography.fernet import InvalidToken

        if not is_encrypted(stored):
            return False
        try:
            self._newest.decrypt(stored.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def rotate(self, stored: str) -> str:
        """The same token, encrypted with the newest key (plain text encrypted)."""
        return self.encrypt(self.decrypt(stored))


def is_encrypted(stored: str) -> bool:
    """True for a Fernet token (as opposed to a plain-text one from before encryption)."""
    return stored.startswith(_FERNET_PREFIX)


def new_key() -> str:
    """A fresh random Fernet key."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


def new_key_hint() -> str:
    """How to make a key, for messages."""
    return f"make one with `haishin keys new` and set {KEY_VARIABLE} to it"


class EncryptedToken(TypeDecorator[str]):
    """A token column whose values are encrypted in the database.

    Args:
        cipher: the keys. Part of the statement cache key, so two ciphers never share a
            compiled statement.
    """

    impl = String(TOKEN_LENGTH)
    cache_ok = True

    def __init__(self, cipher: TokenCipher) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.decrypt(value)


@dataclass(frozen=True, slots=True)
class Reencrypted:
    """What ``reencrypt_tokens`` did: tokens re-encrypted, and of those, how many were
    still plain text."""

    tokens: int
    plain: int


async def reencrypt_tokens(db: Database, cipher: TokenCipher) -> Reencrypted:
    """Encrypt every stored token with the newest key, in one transaction.

    Plain-text tokens (stored before encryption) are encrypted; tokens under an older key
    are re-encrypted; tokens already under the newest key are left alone. Safe to run in
    several processes at once.

    Raises:
        TokenKeyError: a token is encrypted with none of the keys; nothing is changed.
    """
    tokens = plain = 0
    async with db.transaction() as session:
        for table in (slack_installations, slack_bots):
            columns = [table.c[name] for name in TOKEN_COLUMNS[table.name]]
            rows = (await session.execute(select(table.c.id, *columns))).all()
            for row in rows:
                changes = {}
                for column, value in zip(columns, row[1:], strict=True):
                    if value is None or cipher.is_current(value):
                        continue
                    changes[column.name] = cipher.rotate(value)
                    tokens += 1
                    plain += not is_encrypted(value)
                if changes:
                    await session.execute(
                        update(table).where(table.c.id == row[0]).values(**changes)
                    )
    return Reencrypted(tokens, plain)
