"""Aware-UTC datetimes: the only kind of time payfold stores."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Final

import msgspec

UtcDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A timezone-aware datetime; naive datetimes fail to decode. ``check_utc`` also refuses other offsets."""

_ZERO: Final = timedelta(0)


def check_utc(value: datetime, field: str) -> None:
    """Raise ``ValueError`` naming ``field`` unless ``value`` is an aware datetime at offset zero."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"{field} must be an aware UTC datetime, got a naive one: {value.isoformat()}")
    if offset != _ZERO:
        raise ValueError(f"{field} must be in UTC (offset 0), got offset {offset}: {value.isoformat()}")
