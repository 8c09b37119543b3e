"""``Details``: the read-only str-to-str mapping of a payment's non-secret charge parameters.

A ``dict`` subclass so msgspec encodes it as a JSON object and decodes stored events unchanged, but every method
that would change it raises ``TypeError``: an event is a fact, and the folded state shares the event's mapping.
It is hashable, so a ``Payment`` is too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NoReturn


class Details(dict[str, str]):
    """A frozen ``dict[str, str]``. Build it from any mapping; it cannot be changed afterwards."""

    __slots__ = ()

    def _immutable(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("payment details are immutable: they belong to a recorded event")

    __setitem__ = _immutable
    __delitem__ = _immutable
    __ior__ = _immutable
    clear = _immutable
    pop = _immutable
    popitem = _immutable
    setdefault = _immutable
    update = _immutable

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __repr__(self) -> str:
        return f"Details({dict.__repr__(self)})"

    def __copy__(self) -> Details:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Details:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Details, (dict(self),))


NO_DETAILS: Final = Details()
"""The shared empty ``Details``: the default, and what an empty mapping becomes (so defaults are not encoded)."""


def frozen_details(details: Mapping[str, str]) -> Details:
    """``details`` as a ``Details`` (the same object when it already is one)."""
    if type(details) is Details:
        return details
    return Details(details) if details else NO_DETAILS
