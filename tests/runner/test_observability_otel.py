"""The runner's telemetry on the real OpenTelemetry API and SDK, when they are installed (``payfold[otel]`` plus
``opentelemetry-sdk``); skipped otherwise. tests/runner/test_observability.py checks the same shapes with fakes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from payfold import Status, fold
from payfold.adapters import tranzzo
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.runner.telemetry import DURATION, EXCHANGES, SPAN_NAME, OpenTelemetry, default_telemetry
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import T0
from tests.runner._fakes import CREDENTIALS, NGINX_502, PatientClock, ScriptedTranzzo, created

trace = pytest.importorskip("opentelemetry.trace")


def settle_one(telemetry: Any) -> Runner:
    script = ScriptedTranzzo(lambda r: httpx.Response(502, content=NGINX_502, headers={"content-type": "text/html"}))
    client = httpx.AsyncClient(transport=httpx.MockTransport(script))
    providers = {"tranzzo": Provider(tranzzo, CREDENTIALS)}
    return Runner(MemoryStore(), providers, clock=PatientClock(T0, speed=1000.0), client=client, telemetry=telemetry)


async def test_with_only_the_api_the_default_telemetry_is_opentelemetry_and_harmless() -> None:
    telemetry = default_telemetry()
    assert isinstance(telemetry, OpenTelemetry)
    runner = settle_one(None)  # the default: the API's global (here no-op) providers
    await runner.create(created())
    await runner.run()
    await runner.close()
    assert fold(await runner.store.read("pay-1")).status is Status.SETTLED


async def test_spans_and_metrics_reach_the_sdk() -> None:
    sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
    export = pytest.importorskip("opentelemetry.sdk.trace.export")
    in_memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
    sdk_metrics = pytest.importorskip("opentelemetry.sdk.metrics")
    metrics_export = pytest.importorskip("opentelemetry.sdk.metrics.export")
    spans = in_memory.InMemorySpanExporter()
    tracers = sdk_trace.TracerProvider()
    tracers.add_span_processor(export.SimpleSpanProcessor(spans))
    reader = metrics_export.InMemoryMetricReader()
    meters = sdk_metrics.MeterProvider(metric_readers=[reader])
    telemetry = OpenTelemetry(
        tracers.get_tracer("payfold"), meters.get_meter("payfold"), span_kind=trace.SpanKind.CLIENT
    )
    runner = settle_one(telemetry)
    await runner.create(created())
    await runner.run()
    await runner.close()

    finished = spans.get_finished_spans()
    assert [span.name for span in finished] == [SPAN_NAME, SPAN_NAME]
    assert all(span.kind == trace.SpanKind.CLIENT for span in finished)
    charge, requery = (dict(span.attributes) for span in finished)
    assert charge["payfold.operation"] == "charge" and charge["payfold.outcome"] == "outcome_unknown"
    assert charge["payfold.cause"] == "nginx" and charge["http.response.status_code"] == 502
    assert charge["payfold.payment_id"] == "pay-1" and charge["payfold.latency_ms"] >= 0
    assert requery["payfold.outcome"] == "requery_confirmed" and requery["payfold.version"] == 5

    data = reader.get_metrics_data()
    found = {metric.name: metric for rm in data.resource_metrics for sm in rm.scope_metrics for metric in sm.metrics}
    counted = {
        (p.attributes["payfold.operation"], p.attributes["payfold.outcome"]): p.value
        for p in found[EXCHANGES].data.data_points
    }
    assert counted == {("charge", "outcome_unknown"): 1, ("requery", "requery_confirmed"): 1}
    assert found[DURATION].unit == "s" and sum(p.count for p in found[DURATION].data.data_points) == 2
