"""A policy written as TOML, for ``payfold replay --policy FILE`` (and anything else that takes one).

Top-level keys override ``Policy`` fields for every provider; a table named after a provider (``[tranzzo]``)
overrides them for that provider only. Spans are seconds (``60``, ``0.5``) or text with a unit (``"250ms"``,
``"90s"``, ``"5m"``, ``"1h"``, ``"3d"``); backoffs are arrays of spans::

    ambiguity_delay = "2m"
    requery_backoff = ["30s", "5m", "15m", "1h"]

    [tranzzo]
    not_found_grace = "20m"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec

from payfold import InvalidPolicy, Policy

_UNITS = {"ms": timedelta(milliseconds=1), "s": timedelta(seconds=1), "m": timedelta(minutes=1),
          "h": timedelta(hours=1), "d": timedelta(days=1)}  # fmt: skip
_SPANS = frozenset(name for name in Policy.__struct_fields__ if isinstance(getattr(Policy(), name), timedelta))
_BACKOFFS = frozenset(("poll_backoff", "requery_backoff"))


class PolicyFile:
    """The overrides a TOML file holds: for every provider, and per provider."""

    def __init__(self, path: Path, common: Mapping[str, Any], providers: Mapping[str, Mapping[str, Any]]) -> None:
        self.path = path
        self.common = common
        self.providers = providers

    def apply(self, base: Policy, provider: str) -> Policy:
        """``base`` with this file's overrides for ``provider``."""
        fields = {**self.common, **self.providers.get(provider, {})}
        try:
            return msgspec.structs.replace(base, **fields)
        except InvalidPolicy as error:
            raise InvalidPolicy(f"{self.path}: {error}") from None


def load(path: str | Path) -> PolicyFile:
    """Read and check ``path``; ``InvalidPolicy`` names the file, the key and what is wrong."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidPolicy(f"{path}: no such policy file") from None
    except IsADirectoryError:
        raise InvalidPolicy(f"{path}: is a directory, not a policy file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidPolicy(f"{path}: not TOML: {error}") from None
    common: dict[str, Any] = {}
    providers: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            providers[key] = {name: _field(path, f"{key}.{name}", name, item) for name, item in value.items()}
        else:
            common[key] = _field(path, key, key, value)
    result = PolicyFile(path, common, providers)
    for provider in ("", *providers):
        result.apply(Policy(), provider)  # every override must make a valid policy
    return result


def _field(path: Path, where: str, name: str, value: Any) -> Any:
    if name not in Policy.__struct_fields__:
        known = ", ".join(Policy.__struct_fields__)
        raise InvalidPolicy(f"{path}: {where}: not a Policy field (known: {known})")
    if name in _SPANS:
        return _span(path, where, value)
    if name in _BACKOFFS:
        if not isinstance(value, list):
            raise InvalidPolicy(f"{path}: {where}: expected an array of spans, got {value!r}")
        return tuple(_span(path, where, item) for item in value)
    expected = float if name == "jitter" else int
    if isinstance(value, bool) or not isinstance(value, (int, float) if expected is float else int):
        raise InvalidPolicy(f"{path}: {where}: expected a number, got {value!r}")
    return expected(value)


def _span(path: Path, where: str, value: Any) -> timedelta:
    if isinstance(value, bool):
        raise InvalidPolicy(f"{path}: {where}: expected a span, got {value!r}")
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip()
        for unit in ("ms", "s", "m", "h", "d"):
            number = text.removesuffix(unit)
            if number != text and number.replace(".", "", 1).isdigit():
                return float(number) * _UNITS[unit]
    raise InvalidPolicy(f"{path}: {where}: expected seconds or text like '90s', '5m', '1h', got {value!r}")
