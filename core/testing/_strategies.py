"""Hypothesis strategies for payfold: wires, every event, table walks and decided histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
from hypothesis import strategies as st

from payfold import (
    TABLE,
    Event,
    Operation,
    PaymentCreated,
    PaymentEvent,
    PollCompleted,
    PollFailed,
    PollPending,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    Status,
    WebhookReceived,
    Wire,
)
from payfold._events import EVENT_TYPES, TYPE_OF
from payfold._wire import OPERATIONS

E = TypeVar("E", bound=PaymentEvent)

_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def utc_datetimes(start: datetime = _EPOCH, span: timedelta = timedelta(days=3650)) -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes from ``start`` within ``span`` (microsecond precision)."""
    micros = int(span / timedelta(microseconds=1))
    return st.integers(0, micros).map(lambda n: start + timedelta(microseconds=n))


def gaps(max_gap: timedelta = timedelta(minutes=10)) -> st.SearchStrategy[timedelta]:
    """Realistic time gaps: mostly sub-second to a few seconds, sometimes up to ``max_gap``."""
    return st.one_of(
        st.integers(0, 2_000).map(lambda ms: timedelta(milliseconds=ms)),
        st.integers(0, int(max_gap.total_seconds())).map(lambda s: timedelta(seconds=s)),
    )


_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
"""Any JSON value."""


def bodies() -> st.SearchStrategy[bytes]:
    """Answer bodies: arbitrary bytes, JSON documents, HTML pages and empty ones."""
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(msgspec.json.encode),
        st.sampled_from([b"", b"<html><body>502 Bad Gateway</body></html>", b"OK", b"{", b"null"]),
    )


@st.composite
def wires(draw: st.DrawFn, operation: Operation | None = None, at: datetime | None = None) -> Wire:
    """A wire of ``operation`` (any when None) received at ``at`` (any when None)."""
    op: Operation = operation if operation is not None else draw(st.sampled_from(OPERATIONS))
    received = at if at is not None else draw(utc_datetimes())
    latency = draw(st.integers(0, 40_000).map(lambda ms: timedelta(milliseconds=ms)))
    error = draw(st.sampled_from([None, None, None, "timeout", "connect", "reset"]))
    status = None if error else draw(st.sampled_from([200, 201, 400, 401, 404, 409, 429, 500, 502, 503, 504, 522]))
    headers = draw(
        st.lists(
            st.tuples(st.sampled_from(["content-type", "server", "retry-after", "cf-ray"]), st.text(max_size=12)),
            max_size=3,
        )
    )
    return Wire(
        operation=op,
        status=status,
        error=error,
        headers=tuple(headers),
        body=b"" if error else draw(bodies()),
        sent_at=received - latency,
        received_at=received,
        url=f"https://provider.test/{op}",
        method="GET" if op == "poll" else "POST",
    )


@st.composite
def created_events(draw: st.DrawFn, at: datetime | None = None) -> PaymentCreated:
    """A valid ``PaymentCreated``."""
    currency = draw(st.sampled_from(["XTS", "NGN", "UAH", "KES", "GHS", "JPY", "KWD", "USD"]))
    return PaymentCreated(
        at=at if at is not None else draw(utc_datetimes()),
        payment_id="pay-" + draw(st.text("abcdef0123456789", min_size=4, max_size=12)),
        provider=draw(st.sampled_from(["tranzzo", "flutterwave", "generic"])),
        amount=draw(st.integers(1, 10**9)),
        currency=currency,
        reference=draw(st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=16)),
        details=draw(
            st.dictionaries(st.sampled_from(["email", "token", "description"]), st.text(max_size=8), max_size=2)
        ),
    )


def _strategy_for(kind: msgspec.inspect.Type, at: datetime, operation: Operation) -> st.SearchStrategy[Any]:
    match kind:
        case msgspec.inspect.StrType():
            return st.text(max_size=16)
        case msgspec.inspect.BoolType():
            return st.booleans()
        case msgspec.inspect.IntType():
            return st.integers(1, 10**9)
        case msgspec.inspect.TimeDeltaType():
            return st.integers(0, 120_000).map(lambda ms: timedelta(milliseconds=ms))
        case msgspec.inspect.DateTimeType():
            return st.just(at)
        case msgspec.inspect.LiteralType(values=values):
            return st.sampled_from(values)
        case msgspec.inspect.NoneType():
            return st.none()
        case msgspec.inspect.AnyType():
            return json_values
        case msgspec.inspect.DictType():
            return st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=2)
        case msgspec.inspect.UnionType(types=types):
            return st.one_of(*(_strategy_for(t, at, operation) for t in types))
        case msgspec.inspect.StructType(cls=cls) if cls is Wire:
            return wires(operation, at)
    raise TypeError(f"payfold.testing has no strategy for field type {kind!r}")  # a new field type: add it above


_ANSWER_OPERATION: dict[type[PaymentEvent], Operation] = {
    PollPending: "poll",
    PollCompleted: "poll",
    PollFailed: "poll",
    RequeryConfirmed: "requery",
    RequeryDeclined: "requery",
    RequeryPending: "requery",
    RequeryNotFound: "requery",
    RequeryFailed: "requery",
    WebhookReceived: "webhook",
}


@st.composite
def event_of(draw: st.DrawFn, cls: type[E], at: datetime | None = None, operation: Operation | None = None) -> E:
    """An event of class ``cls`` at ``at``; a provider answer's wire has ``operation`` (a fitting one when None)."""
    moment = at if at is not None else draw(utc_datetimes())
    if cls is PaymentCreated:
        return draw(created_events(moment))  # type: ignore[return-value]
    fitting = operation if operation is not None else _ANSWER_OPERATION.get(cls)
    op: Operation = fitting if fitting is not None else draw(st.sampled_from(("charge", "validate")))
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    kwargs: dict[str, Any] = {}
    for field in info.fields:
        if field.name == "at":
            kwargs["at"] = moment
        elif field.required or draw(st.booleans()):
            kwargs[field.name] = draw(_strategy_for(field.type, moment, op))
    return cls(**kwargs)


def events() -> st.SearchStrategy[Event]:
    """Any event of any tag."""
    return st.one_of(*(event_of(cls) for cls in EVENT_TYPES))


@st.composite
def table_walks(draw: st.DrawFn, max_len: int = 30) -> list[Event]:
    """Histories legal by the transition table: ``created``, then tags drawn from those the table allows."""
    at = draw(utc_datetimes())
    history: list[Event] = [draw(created_events(at))]
    status = Status.CREATED
    for _ in range(draw(st.integers(0, max_len))):
        allowed = sorted(tag for (source, tag) in TABLE if source is status)
        if not allowed:
            break
        tag = draw(st.sampled_from(allowed))
        at = at + draw(gaps())
        history.append(draw(event_of(TYPE_OF[tag], at)))  # type: ignore[arg-type]
        status = TABLE[(status, tag)]
    return history
