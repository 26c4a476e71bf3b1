"""A small cache keyed on objects' identity, for values derived from immutable objects.

The command engine hands out the same ``Reply`` object for the same question about the same
stored revision, so what is drawn from it (messages, JSON bodies) can be looked up by
identity: no hashing of posts and blocks on every answer. Each entry holds the object it
was made from, so its ``id`` can't be reused by another object while the entry lives.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K")
V = TypeVar("V")


class IdentityCache(Generic[K, V]):
    """The ``size`` values last used, made from objects, by the objects' identity (plus
    ``extra``): LRU, since a reply asked for again is the one to keep.

    Only for objects never mutated after they are handed out.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._entries: LRUCache[tuple[int, Hashable], tuple[K, V]] = LRUCache(size)

    def get(self, source: K, make: Callable[[], V], extra: Hashable = None) -> V:
        """The value for ``source`` (and ``extra``), made with ``make`` the first time."""
        key = (id(source), extra)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is source:
            return entry[1]
        value = make()
        self._entries[key] = (source, value)
        return value
