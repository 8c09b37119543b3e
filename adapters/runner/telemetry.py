"""What the runner reports about each exchange with a provider, and where it goes: OpenTelemetry, or nowhere.

The runner fills in one ``Exchange`` per request it sends (who, what, the answer's tag, how long it took) and hands
it to its ``Telemetry`` around the exchange. Logging is separate and always on (``payfold.adapters.runner.observe``);
telemetry is for tracing and metrics:

- ``OpenTelemetry`` — a span per exchange and two metrics, through the OpenTelemetry *API* (the app configures the
  SDK and exporters; without them the API's providers do nothing). Installed with ``pip install 'payfold[otel]'``.
- ``NO_TELEMETRY`` — does nothing (the default when the OpenTelemetry API is not installed).

``Runner(telemetry=...)`` takes any object with an ``exchange`` method (tests pass a recorder). The names below are
documented in docs/observability.md; change them together.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Final, Protocol

SPAN_NAME: Final = "payfold.exchange"
EXCHANGES: Final = "payfold.exchanges"
"""Counter: exchanges, by ``payfold.provider``, ``payfold.operation`` and ``payfold.outcome``."""
DURATION: Final = "payfold.exchange.duration"
"""Histogram, seconds: how long the provider took to answer (or to fail), same attributes as ``EXCHANGES``."""
UNANSWERED: Final = "unanswered"
"""The outcome of an exchange that ended before an answer was translated (the task was cancelled, say)."""


@dataclass
class Exchange:
    """One request to a provider and its answer, filled in by the runner as the exchange goes.

    ``outcome`` is the answer's event tag (``charge_accepted``, ``outcome_unknown``, ``requery_confirmed``, ...),
    ``cause`` the ambiguity's cause when there is one (``timeout``, ``nginx``, ...), ``status`` the HTTP status
    (None: no response), ``error`` the transport word (``timeout``, ``connect``, ``reset``), ``latency_ms`` the
    real (wall-clock) time from sending to the answer, whatever the runner's clock, and ``version`` the payment's
    stream version once the answer is recorded. Never a body, a header or a credential.
    """

    payment_id: str
    provider: str
    operation: str
    attempt: int = 1
    outcome: str = UNANSWERED
    cause: str = ""
    status: int | None = None
    error: str | None = None
    latency_ms: float | None = None
    version: int | None = None

    def fields(self) -> dict[str, Any]:
        """The structured fields a log record carries (``extra=``): every field, None ones left out."""
        return {name: value for name, value in vars(self).items() if value is not None and value != ""}


class Telemetry(Protocol):
    """Where the runner reports exchanges. ``exchange`` is entered before the request is sent and left once the
    answer is recorded (or the exchange failed); the runner fills in ``exchange`` meanwhile."""

    def exchange(self, exchange: Exchange) -> AbstractContextManager[object]: ...


class NoTelemetry:
    """Reports nothing."""

    def exchange(self, exchange: Exchange) -> AbstractContextManager[object]:
        return contextlib.nullcontext()


NO_TELEMETRY: Final = NoTelemetry()


class OpenTelemetry:
    """A span per exchange and the ``EXCHANGES`` / ``DURATION`` metrics, on an OpenTelemetry tracer and meter.

    ``OpenTelemetry.from_global()`` takes them from the API's global providers (set by the app's SDK setup, before
    or after the runner is made). The span (``SPAN_NAME``, kind ``span_kind``) is current while the request is
    sent, so an instrumented HTTP client's span nests under it; it carries ``payfold.payment_id``,
    ``payfold.provider``, ``payfold.operation``, ``payfold.attempt``, ``payfold.outcome``, ``payfold.cause``,
    ``payfold.latency_ms``, ``payfold.version``, ``http.response.status_code`` and ``error.type``. Metrics carry
    only provider, operation and outcome (a bounded set: no payment id).
    """

    def __init__(self, tracer: Any, meter: Any, *, span_kind: Any = None) -> None:
        self._tracer = tracer
        self._span_kind = span_kind
        self._count = meter.create_counter(EXCHANGES, unit="{exchange}", description="Exchanges with providers")
        self._duration = meter.create_histogram(
            DURATION, unit="s", description="Time from sending a request to its answer (or its failure)"
        )

    @classmethod
    def from_global(cls) -> OpenTelemetry:
        """On the API's global tracer and meter provider (``ModuleNotFoundError`` without ``opentelemetry-api``)."""
        trace = importlib.import_module("opentelemetry.trace")
        metrics = importlib.import_module("opentelemetry.metrics")
        version = _version()
        return cls(
            trace.get_tracer("payfold", version),
            metrics.get_meter("payfold", version),
            span_kind=trace.SpanKind.CLIENT,
        )

    @contextlib.contextmanager
    def exchange(self, exchange: Exchange) -> Iterator[object]:
        options: dict[str, Any] = {} if self._span_kind is None else {"kind": self._span_kind}
        start = {
            "payfold.payment_id": exchange.payment_id,
            "payfold.provider": exchange.provider,
            "payfold.operation": exchange.operation,
            "payfold.attempt": exchange.attempt,
        }
        with self._tracer.start_as_current_span(SPAN_NAME, attributes=start, **options) as span:
            try:
                yield span
            finally:
                self._finish(span, exchange)

    def _finish(self, span: Any, exchange: Exchange) -> None:
        found = {
            "payfold.outcome": exchange.outcome,
            "payfold.cause": exchange.cause or None,
            "payfold.latency_ms": exchange.latency_ms,
            "payfold.version": exchange.version,
            "http.response.status_code": exchange.status,
            "error.type": exchange.error,
        }
        for name, value in found.items():
            if value is not None:
                span.set_attribute(name, value)
        labels = {
            "payfold.provider": exchange.provider,
            "payfold.operation": exchange.operation,
            "payfold.outcome": exchange.outcome,
        }
        self._count.add(1, labels)
        if exchange.latency_ms is not None:
            self._duration.record(exchange.latency_ms / 1000, labels)


@functools.cache
def otel_installed() -> bool:
    """Whether the OpenTelemetry API can be imported (looked up once)."""
    try:
        return importlib.util.find_spec("opentelemetry.trace") is not None
    except ModuleNotFoundError:  # no ``opentelemetry`` namespace package at all
        return False


def default_telemetry() -> Telemetry:
    """``OpenTelemetry.from_global()`` when ``opentelemetry-api`` is installed, else ``NO_TELEMETRY``."""
    return OpenTelemetry.from_global() if otel_installed() else NO_TELEMETRY


def _version() -> str:
    try:
        return metadata.version("payfold")
    except metadata.PackageNotFoundError:  # an uninstalled checkout: the version only labels the spans
        return ""
