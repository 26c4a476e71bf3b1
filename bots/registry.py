"""The platforms haishin knows: one line each, the package that implements ``ChatPlatform``.

Packages are imported by module path on first use, so a platform's SDK is loaded only when
something asks for that platform. Adding a platform is one new folder and one line here
(``docs/adding-a-platform.md``).
"""

from __future__ import annotations

import importlib

from bots.platform import ChatPlatform

PLATFORMS: dict[str, str] = {
    "slack": "bots.slack",
    "line": "bots.line",
}


def names() -> tuple[str, ...]:
    """Every platform's key, in the order they are listed (and shown)."""
    return tuple(PLATFORMS)


def platform(name: str) -> ChatPlatform:
    """The contract of one platform.

    Raises:
        ValueError: no such platform (the message lists the known ones).
    """
    path = PLATFORMS.get(name)
    if path is None:
        raise ValueError(f"unknown platform {name!r}; use {choices()}")
    contract = importlib.import_module(path).PLATFORM
    if not isinstance(contract, ChatPlatform) or contract.name != name:
        raise TypeError(f"{path}.PLATFORM is not the ChatPlatform of {name!r}")
    return contract


def platforms() -> list[ChatPlatform]:
    """Every platform's contract (importing each package)."""
    return [platform(name) for name in PLATFORMS]


def choices(*extra: str) -> str:
    """``slack or line`` (with ``extra`` choices last), for messages about ``--platform``."""
    words = [*PLATFORMS, *extra]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]
