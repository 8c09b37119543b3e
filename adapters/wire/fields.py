"""Reading decoded JSON without trusting its shape: every reader returns None for a missing or wrong-typed value."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

_DECIMAL_TEXT: Final = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def at_path(value: object, path: str) -> object | None:
    """The value at dotted ``path`` (``"data.tx.status"``; a number selects a list item), or None.

    A key that itself holds a dot (Rave's ``"customer.email"``) is matched whole before the path is split.
    """
    if isinstance(value, dict) and path in value:
        found: object = value[path]
        return found
    current: object = value
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return None
            current = current[part]
        elif isinstance(current, list) and part.isascii() and part.isdigit():
            index = int(part)
            if index >= len(current):
                return None
            current = current[index]
        else:
            return None
    return current


def first(value: object, paths: Iterable[str]) -> object | None:
    """The value at the first of ``paths`` that holds something other than null."""
    for path in paths:
        found = at_path(value, path)
        if found is not None:
            return found
    return None


def scalar_text(found: object) -> str | None:
    """A non-empty string, or a number as written; None for anything else (booleans refused)."""
    if isinstance(found, str):
        return found or None
    if isinstance(found, int | float) and not isinstance(found, bool):
        return str(found)
    return None


def text(value: object, *paths: str) -> str | None:
    """The first non-empty scalar at ``paths`` as text (numbers as written, booleans refused), or None."""
    for path in paths:
        found = scalar_text(at_path(value, path))
        if found is not None:
            return found
    return None


def obj(value: object, *paths: str) -> dict[str, object] | None:
    """The first JSON object at ``paths`` (the value itself when no path is given), or None."""
    if not paths:
        return value if isinstance(value, dict) else None
    for path in paths:
        found = at_path(value, path)
        if isinstance(found, dict):
            return found
    return None


def amount(found: object) -> object | None:
    """``found`` when it may be read as an amount (``payfold.to_minor``): a JSON number, or text of ASCII digits
    with at most one ``.``, spaces around allowed. None for anything else, so that digits of other scripts,
    ``_`` separators, exponents and signs, all of which ``Decimal`` would accept, are never read as money."""
    if isinstance(found, bool):
        return None
    if isinstance(found, int | float):
        return found
    if isinstance(found, str):
        stripped = found.strip(" \t\r\n")
        return stripped if len(stripped) <= 40 and _DECIMAL_TEXT.fullmatch(stripped) else None
    return None


def clip(message: str, limit: int = 300) -> str:
    """``message`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    return message if len(message) <= limit else message[: limit - 1] + "…"
