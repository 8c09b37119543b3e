"""payfold.adapters.stores: where the log lives. One contract (``payfold.testing.StoreContract``), three stores.

| store | module | for |
|---|---|---|
| ``MemoryStore`` | ``payfold.adapters.stores.memory`` | tests; the reference behaviour |
| ``SqliteStore`` | ``payfold.adapters.stores.sqlite`` | the embedded default (aiosqlite, the ``sqlite`` extra) |
| ``PostgresStore`` | ``payfold.adapters.stores.postgres`` | many workers on many machines (asyncpg, ``postgres``) |

The three names are also attributes of this package, imported on first use, so ``import payfold.adapters.stores``
loads no driver. Stores import no provider adapter: they keep events, whatever said them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .memory import MemoryStore
    from .postgres import PostgresStore
    from .sqlite import SqliteStore

__all__ = ["MemoryStore", "PostgresStore", "SqliteStore"]

_HOMES = {"MemoryStore": "memory", "PostgresStore": "postgres", "SqliteStore": "sqlite"}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
