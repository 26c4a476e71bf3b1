"""``haishin keys``: the keys stored Slack tokens are encrypted with (``HAISHIN_TOKEN_KEY``).

Rotating a key, with any number of ``haishin serve`` processes:

1. ``haishin keys new`` prints a key; put it first: ``HAISHIN_TOKEN_KEY=NEW,OLD``, on every
   process, and restart them (each decrypts with either key, encrypts with the new one);
2. ``haishin keys rotate`` re-encrypts every stored token with the new key (``serve`` does
   the same when it starts);
3. drop the old key: ``HAISHIN_TOKEN_KEY=NEW``.
"""

from __future__ import annotations

import typer

from bots.cli.common import async_command, console, fail, services

keys_app = typer.Typer(
    help="The keys stored Slack tokens are encrypted with (HAISHIN_TOKEN_KEY): new, rotate.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``keys`` to the CLI."""
    app.add_typer(keys_app, name="keys")


@keys_app.command("new")
def new() -> None:
    """Print a new random key (for HAISHIN_TOKEN_KEY; keep it as safe as the database)."""
    from core.storage.secrets import new_key

    typer.echo(new_key())


@keys_app.command("rotate")
@async_command
async def rotate() -> None:
    """Re-encrypt every stored token with the first key of HAISHIN_TOKEN_KEY."""
    from core.storage.secrets import KEY_VARIABLE, TokenCipher, reencrypt_tokens

    async with services() as svc:
        cipher = TokenCipher.from_setting(svc.settings.token_key)
        if cipher is None:
            fail(f"{KEY_VARIABLE} is not set; `haishin keys new` makes a key")
        done = await reencrypt_tokens(svc.db, cipher)
    if not done.tokens:
        console.print("every stored token is already encrypted with the first key")
        return
    plain = f" ({done.plain} of them were plain text)" if done.plain else ""
    console.print(f"re-encrypted {done.tokens} stored token(s) with the first key{plain}")
    if cipher.keys > 1:
        console.print(
            f"once every haishin process runs with the new key first, drop the older "
            f"key(s) from {KEY_VARIABLE}"
        )
