"""The named-field half of the leak finder: values under card-number names (``pan``, ``card_number``, ...), read
from JSON with every duplicate key kept, loose ``"key": value`` pairs in JSON that does not parse, forms, URL
queries and header pairs. Written from the rules, like ``_leaks``; shares nothing with the redaction it judges.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Iterator
from typing import Any, Final
from urllib.parse import parse_qsl

import msgspec

from ._leaks import CARD_FIELD_NAMES, Leak, field_name, texts, views


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its ``(key, value)`` pairs in order, duplicates kept."""


def _scalar_text(value: Any) -> str:
    if isinstance(value, _Pairs):
        return " ".join(_scalar_text(item) for _, item in value)
    if isinstance(value, list):
        return " ".join(_scalar_text(item) for item in value)
    return "" if value is None else str(value)


def _pairs(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, _Pairs):
        for key, item in value:
            yield key, item
            yield from _pairs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _pairs(item)
    elif isinstance(value, str):
        yield from _text_pairs(value)


_LOOSE_PAIR: Final = re.compile(r'"((?:[^"\\]|\\.){1,64})"\s*:\s*("(?:[^"\\]|\\.)*"?|[^\s,}\]]*)')


@functools.lru_cache(maxsize=8192)
def _text_pairs(text: str) -> tuple[tuple[str, Any], ...]:
    """``(key, value)`` pairs written in ``text``: JSON objects (duplicate keys kept), forms and URL queries."""
    return tuple(_read_pairs(text)) if "=" in text or ":" in text else ()


def _read_pairs(text: str) -> Iterator[tuple[str, Any]]:
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(stripped, object_pairs_hook=_Pairs, parse_float=str, parse_int=str)
        except (ValueError, RecursionError):
            parsed = None
        if parsed is not None:
            yield from _pairs(parsed)
            return
    if '":' in text or '" :' in text:  # JSON that does not parse (truncated, spliced): read its pairs loosely
        for match in _LOOSE_PAIR.finditer(text):
            yield match.group(1), match.group(2).strip('"')
    if "=" in text:
        for part in {text, *(piece.split("#")[0] for piece in text.split("?")[1:])}:
            try:
                yield from parse_qsl(part, keep_blank_values=True, separator="&")
            except ValueError:
                continue
            for chunk in part.split(";") if ";" in part else ():
                if "=" in chunk:
                    key, _, item = chunk.partition("=")
                    yield key.strip(), item


def named_values(value: Any, names: Collection[str], path: str = "event") -> Iterator[tuple[str, str, str]]:
    """``(where, key, value text)`` for every field of ``value`` whose normalized name is in ``names``: JSON keys at
    any depth (duplicates too), form and query parameters, header pairs, mapping keys; in every decoding."""
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from named_values(getattr(value, name), names, f"{path}.{name}")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and field_name(key) in names:
                yield f"{path}.{key}", key, _scalar_text(item)
            yield from named_values(item, names, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(item, str) for item in value) and field_name(value[0]) in names:
            yield path, value[0], value[1]
        for index, item in enumerate(value):
            yield from named_values(item, names, f"{path}[{index}]")
        return
    for where, text in texts(value, path):
        for label, view in views(text):
            for key, item in _text_pairs(view):
                if isinstance(key, str) and field_name(key) in names:
                    yield f"{where}|{label}" if label else where, key, _scalar_text(item)


# --- the finder -------------------------------------------------------------------------------------------


def card_field_leaks(value: Any, *, path: str = "event") -> list[Leak]:
    """Fields named as card numbers (``pan``, ``card_number``, ``cardno``, ``cc_number``, ...) that hold a digit."""
    return [
        Leak(kind="card_field", where=where, found=f"{key}={text}")
        for where, key, text in named_values(value, CARD_FIELD_NAMES, path)
        if any(char.isdigit() for char in text)
    ]
