"""What the runner tells the outside world: log records under ``payfold.runner`` with structured fields (never a
body or a secret), and a span plus metrics per exchange through an injectable telemetry (OpenTelemetry's API shape,
recorded by fakes here; tests/runner/test_observability_otel.py runs the real API when it is installed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from payfold import Status, fold
from payfold.adapters import tranzzo
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.runner import telemetry as telemetry_module
from payfold.adapters.runner.telemetry import (
    DURATION,
    EXCHANGES,
    NO_TELEMETRY,
    SPAN_NAME,
    UNANSWERED,
    Exchange,
    OpenTelemetry,
    Telemetry,
    default_telemetry,
)
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import T0
from tests.runner._fakes import CREDENTIALS, NGINX_502, PatientClock, ScriptedTranzzo, accepted, created, rendezvous
from tests.runner.test_safety import BuggyTranzzo

FIELDS: Final = {"payment_id", "provider", "operation", "outcome", "latency_ms", "version", "attempt"}


def runner_with(script: ScriptedTranzzo, *, telemetry: Telemetry | None = None, **options: Any) -> Runner:
    """A Tranzzo runner answered by ``script`` on a fresh memory store and a fast virtual clock."""
    adapter = options.pop("adapter", tranzzo)
    client = httpx.AsyncClient(transport=httpx.MockTransport(script))
    providers = {"tranzzo": Provider(adapter, CREDENTIALS)}
    store = options.pop("store", None) or MemoryStore()
    clock = PatientClock(T0, speed=1000.0)
    return Runner(store, providers, clock=clock, client=client, telemetry=telemetry or NO_TELEMETRY, **options)


def gateway_then_paid() -> ScriptedTranzzo:
    """The charge meets an nginx 502 (ambiguous); the requery finds the payment."""
    return ScriptedTranzzo(lambda r: httpx.Response(502, content=NGINX_502, headers={"content-type": "text/html"}))


# --- the logger ---------------------------------------------------------------------------------------------------


def test_the_payfold_logger_has_one_null_handler_and_prints_nothing_by_default() -> None:
    from payfold.adapters.runner.observe import install_null_handler

    install_null_handler()
    install_null_handler()
    handlers = logging.getLogger("payfold").handlers
    assert [type(handler) for handler in handlers].count(logging.NullHandler) == 1


async def test_each_exchange_and_verdict_is_logged_at_info_with_structured_fields(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="payfold")
    runner = runner_with(gateway_then_paid())
    await runner.create(created())
    await runner.run()
    records = [r for r in caplog.records if r.name == "payfold.runner"]
    exchanges = [r for r in records if getattr(r, "latency_ms", None) is not None]
    assert [(r.operation, r.outcome) for r in exchanges] == [  # type: ignore[attr-defined]
        ("charge", "outcome_unknown"),
        ("requery", "requery_confirmed"),
    ]
    for record in exchanges:
        assert record.levelno == logging.INFO and set(vars(record)) >= FIELDS
        assert record.payment_id == "pay-1" and record.provider == "tranzzo"  # type: ignore[attr-defined]
        assert record.latency_ms >= 0 and record.attempt == 1  # type: ignore[attr-defined]
    charge, requery = exchanges
    assert charge.cause == "nginx" and charge.status == 502 and charge.version == 3  # type: ignore[attr-defined]
    assert "pay-1 tranzzo charge #1: outcome_unknown (HTTP 502, nginx)" in charge.getMessage()
    assert requery.version == 5  # type: ignore[attr-defined]
    verdict = next(r for r in records if getattr(r, "operation", None) == "conclude")
    assert verdict.levelno == logging.INFO and verdict.outcome == "settled"  # type: ignore[attr-defined]
    assert verdict.version == fold(await runner.store.read("pay-1")).version == 6  # type: ignore[attr-defined]
    await runner.close()


async def test_a_lost_race_is_a_warning(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore()
    script = ScriptedTranzzo(accepted)
    first, second = runner_with(script, store=store, worker="a"), runner_with(script, store=store, worker="b")
    await first.create(created())
    rendezvous(store, monkeypatch)
    await asyncio.gather(first.advance("pay-1"), second.advance("pay-1"))
    conflicts = [r for r in caplog.records if getattr(r, "outcome", None) == "conflict"]
    assert conflicts and all(r.levelno == logging.WARNING for r in conflicts)
    assert len(conflicts) == first.stats.conflicts + second.stats.conflicts  # each lost race, once
    assert conflicts[0].payment_id == "pay-1" and conflicts[0].version == 1  # type: ignore[attr-defined]
    assert "deciding again" in conflicts[0].getMessage()
    assert script.charges == {"order-1": 1}
    for runner in (first, second):
        await runner.close()


class Captured(logging.Handler):
    """Every record, rendered and with its fields, as one string per record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {vars(record)!r} {record.exc_text or ''}")


@contextlib.contextmanager
def capture() -> Iterator[Captured]:
    handler, logger = Captured(), logging.getLogger("payfold")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


MARK: Final = "S3CR3T-MARK"


@given(
    status=st.sampled_from([200, 201, 400, 401, 404, 409, 429, 500, 502, 503]),
    prefix=st.binary(max_size=40),
    buggy=st.booleans(),
)
def test_no_log_record_ever_holds_a_body_or_header_value(status: int, prefix: bytes, buggy: bool) -> None:
    """Whatever the provider answers, and even when the adapter raises an error quoting the answer, no record
    (message, fields or traceback) holds the body or a header value."""
    body = prefix + b'{"order_id":"order-1","status":"' + MARK.encode() + b'","card":"4111111111111111"}'
    headers = [(b"retry-after", "\u00b2".encode()), (b"x-trace", MARK.encode())]
    script = ScriptedTranzzo(lambda request: httpx.Response(status, content=body, headers=headers))
    adapter = BuggyTranzzo("charge") if buggy else tranzzo

    async def scene() -> None:
        runner = runner_with(script, adapter=adapter)
        await runner.create(created())
        await runner.run()
        await runner.close()

    with capture() as captured:
        asyncio.run(scene())
    assert captured.lines  # something was logged
    for line in captured.lines:
        assert MARK not in line and "4111111111111111" not in line and "\u00b2" not in line


# --- telemetry ------------------------------------------------------------------------------------------------------

CURRENT: ContextVar[FakeSpan | None] = ContextVar("CURRENT", default=None)


@dataclass
class FakeSpan:
    name: str
    attributes: dict[str, Any]
    kind: Any = None
    ended: bool = False
    error: BaseException | None = None

    def set_attribute(self, key: str, value: Any) -> None:
        assert value is not None  # OpenTelemetry drops None attributes with a warning: never send one
        self.attributes[key] = value


@dataclass
class FakeTracer:
    """OpenTelemetry's ``Tracer.start_as_current_span`` shape, recording spans and making them current."""

    spans: list[FakeSpan] = field(default_factory=list)

    @contextlib.contextmanager
    def start_as_current_span(
        self, name: str, attributes: dict[str, Any] | None = None, kind: Any = None
    ) -> Iterator[FakeSpan]:
        span = FakeSpan(name, dict(attributes or {}), kind)
        self.spans.append(span)
        token = CURRENT.set(span)
        try:
            yield span
        except BaseException as exc:
            span.error = exc
            raise
        finally:
            CURRENT.reset(token)
            span.ended = True


@dataclass
class FakeInstrument:
    name: str
    unit: str
    points: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def add(self, amount: float, attributes: dict[str, Any]) -> None:
        self.points.append((amount, dict(attributes)))

    def record(self, amount: float, attributes: dict[str, Any]) -> None:
        self.points.append((amount, dict(attributes)))


@dataclass
class FakeMeter:
    instruments: dict[str, FakeInstrument] = field(default_factory=dict)

    def create_counter(self, name: str, unit: str = "", description: str = "") -> FakeInstrument:
        return self.instruments.setdefault(name, FakeInstrument(name, unit))

    def create_histogram(self, name: str, unit: str = "", description: str = "") -> FakeInstrument:
        return self.instruments.setdefault(name, FakeInstrument(name, unit))


async def test_each_exchange_is_a_span_current_during_the_request_and_counted() -> None:
    tracer, meter = FakeTracer(), FakeMeter()
    seen: list[FakeSpan | None] = []
    script = gateway_then_paid()
    answer = script.charge

    def watched(request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response]:
        seen.append(CURRENT.get())
        return answer(request)

    script.charge = watched
    runner = runner_with(script, telemetry=OpenTelemetry(tracer, meter, span_kind="client"))
    await runner.create(created())
    await runner.run()
    await runner.close()
    assert [span.name for span in tracer.spans] == [SPAN_NAME, SPAN_NAME] and all(s.ended for s in tracer.spans)
    assert seen == [tracer.spans[0]]  # the charge's span was current while the request was sent
    charge, requery = (span.attributes for span in tracer.spans)
    assert charge["payfold.payment_id"] == "pay-1" and charge["payfold.provider"] == "tranzzo"
    assert (charge["payfold.operation"], charge["payfold.outcome"], charge["payfold.cause"]) == (
        "charge",
        "outcome_unknown",
        "nginx",
    )
    assert charge["http.response.status_code"] == 502 and charge["payfold.latency_ms"] >= 0
    assert requery["payfold.outcome"] == "requery_confirmed" and "payfold.cause" not in requery
    assert tracer.spans[0].kind == "client"
    counted = meter.instruments[EXCHANGES]
    assert counted.unit == "{exchange}" and [attributes for _, attributes in counted.points] == [
        {"payfold.provider": "tranzzo", "payfold.operation": "charge", "payfold.outcome": "outcome_unknown"},
        {"payfold.provider": "tranzzo", "payfold.operation": "requery", "payfold.outcome": "requery_confirmed"},
    ]
    durations = meter.instruments[DURATION]
    assert durations.unit == "s" and len(durations.points) == 2
    assert all(0 <= seconds < 5 for seconds, _ in durations.points)
    assert fold(await runner.store.read("pay-1")).status is Status.SETTLED


def test_an_exchange_cut_short_still_ends_its_span_and_counts_as_unanswered() -> None:
    tracer, meter = FakeTracer(), FakeMeter()
    telemetry = OpenTelemetry(tracer, meter)
    exchange = Exchange(payment_id="pay-1", provider="tranzzo", operation="charge")
    with pytest.raises(asyncio.CancelledError), telemetry.exchange(exchange):
        raise asyncio.CancelledError
    (span,) = tracer.spans
    assert span.ended and isinstance(span.error, asyncio.CancelledError) and span.kind is None
    assert span.attributes["payfold.outcome"] == UNANSWERED and "payfold.latency_ms" not in span.attributes
    assert meter.instruments[EXCHANGES].points == [
        (1, {"payfold.provider": "tranzzo", "payfold.operation": "charge", "payfold.outcome": UNANSWERED})
    ]
    assert meter.instruments[DURATION].points == []  # no answer, no latency


def test_without_the_opentelemetry_api_the_default_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telemetry_module, "otel_installed", lambda: False)
    assert default_telemetry() is NO_TELEMETRY
    with NO_TELEMETRY.exchange(Exchange(payment_id="p", provider="x", operation="charge")) as nothing:
        assert nothing is None


@given(
    status=st.none() | st.integers(100, 599),
    error=st.none() | st.sampled_from(["timeout", "connect", "reset"]),
    cause=st.sampled_from(["", "nginx", "timeout"]),
    version=st.none() | st.integers(1, 10**6),
)
def test_exchange_fields_leave_out_only_what_is_unknown(
    status: int | None, error: str | None, cause: str, version: int | None
) -> None:
    exchange = Exchange(payment_id="p", provider="x", operation="requery", status=status, error=error, cause=cause)
    exchange.version = version
    fields = exchange.fields()
    assert {"payment_id", "provider", "operation", "attempt", "outcome"} <= set(fields)
    assert ("status" in fields) == (status is not None) and ("error" in fields) == (error is not None)
    assert ("cause" in fields) == bool(cause) and ("version" in fields) == (version is not None)
    assert None not in fields.values() and set(fields) <= set(vars(exchange))
    assert not set(fields) & set(vars(logging.makeLogRecord({})))  # never clashes with a LogRecord attribute
    assert msgspec.json.decode(msgspec.json.encode(fields)) == fields  # plain values a JSON formatter can write
