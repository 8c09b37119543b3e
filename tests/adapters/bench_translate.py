"""translate per adapter next to a bare ``msgspec.json.decode`` of the same bodies, measured in one run.

Run: ``.venv/bin/python -m tests.adapters.bench_translate``. Prints, per adapter, the median time per answer of
both over several interleaved rounds and the ratio decode time / translate time (issue 9 asks >= 0.3x for
Tranzzo and Flutterwave). The mixes are real-shaped (research/wire-formats.md): successes, pendings, errors,
status arrays, Rave LONG-REQ/REQSPONSE and both verify shapes, a few gateway HTML pages. No assertions: the
table is the result.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from payfold import Operation, Wire
from payfold.adapters import flutterwave, generic, tranzzo
from tests.adapters import bench_flutterwave
from tests.benchrow import Row, cost_row

T0 = datetime(2026, 1, 1, tzinfo=UTC)
JSON = (("content-type", "application/json"), ("server", "nginx"), ("date", "Thu, 01 Jan 2026 00:00:01 GMT"))
HTML = (("content-type", "text/html"), ("server", "nginx"))


def _tx(status: str, n: int) -> dict[str, Any]:
    return {
        "payment_id": f"pay_{n:08d}",
        "transaction_id": f"tx_{n:08d}",
        "order_id": f"order-{n}",
        "pos_id": "pos-1",
        "mode": "hosted",
        "method": "purchase",
        "amount": "4500.00",
        "currency": "UAH",
        "status": status,
        "status_code": 1000 if status == "success" else 2000,
        "status_description": "Transaction is successful" if status == "success" else "In progress",
        "created_at": "2026-01-01T00:00:01.123Z",
        "processing_time": "2026-01-01T00:00:02.456Z",
        "billing_order_id": f"b-{n}",
    }


def _wire(operation: Operation, status: int, body: Any, headers: tuple[tuple[str, str], ...] = JSON) -> Wire:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Wire(
        operation=operation,
        sent_at=T0,
        received_at=T0 + timedelta(seconds=1),
        status=status,
        headers=headers,
        body=data,
    )


NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

TRANZZO_MIX = [
    _wire("requery", 200, [_tx("success", 1)]),
    _wire("requery", 200, [_tx("pending", 2)]),
    _wire("requery", 200, [_tx("failure", 3), _tx("success", 4)]),
    _wire("requery", 200, _tx("success", 5)),
    _wire("charge", 200, {**_tx("init", 6), "redirect_url": "https://cpay.tranzzo.com/h/6"}),
    _wire("charge", 200, _tx("success", 7)),
    _wire("charge", 400, {"message": "Order already exists", "args": {"code": "P-409"}}),
    _wire("charge", 400, {"message": "Invalid amount", "args": [{"field_name": "amount", "violation": "bad"}]}),
    _wire("charge", 500, {"message": "Internal error", "args": {"error_id": "e-1"}}),
    _wire("charge", 401, {"code": 16, "message": "Method doesn't allow unregistered callers", "details": []}),
    _wire("charge", 502, NGINX_502, HTML),
    _wire("requery", 404, {"message": "Payment not found", "args": {"code": "S-404"}}),
    _wire("charge", 503, {"code": 14, "message": "The service is currently unavailable.", "details": []}),
    _wire("charge", 301, b"<html><head><title>301 Moved Permanently</title></head></html>", HTML),
    _wire("requery", 200, [_tx("success", 8), {**_tx("success", 9), "method": "void"}]),
]

GENERIC_MIX = [
    _wire(
        "requery",
        200,
        {"payment": {"id": "pm_1", "reference": "o1", "status": s, "amount": {"value": "4500.00", "currency": "NGN"}}},
    )
    for s in ("succeeded", "processing", "failed")
] + [
    _wire("requery", 404, {"error": {"code": "payment_not_found", "message": "No payment"}}),
    _wire("charge", 400, {"error": {"code": "invalid_amount", "message": "Amount too small"}}),
    _wire("charge", 502, NGINX_502, HTML),
]


def _per_item(work: Callable[[], None], count: int, rounds: int, seconds: float) -> list[float]:
    """Seconds per item of ``rounds`` short runs of ``work`` (each ``seconds`` long)."""
    times = []
    for _ in range(rounds):
        loops, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            work()
            loops += 1
        times.append(elapsed / (loops * count))
    return times


def timings(translate: Callable[[Wire], object], wires: list[Wire], rounds: int = 7) -> tuple[float, float]:
    """Median µs per answer of a bare decode and of ``translate`` over ``wires``, interleaved round by round."""
    decoder = msgspec.json.Decoder()
    bodies = [wire.body for wire in wires]

    def decode_all() -> None:
        for body in bodies:
            with contextlib.suppress(msgspec.DecodeError):
                decoder.decode(body)

    def translate_all() -> None:
        for wire in wires:
            translate(wire)

    decode, run = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine load
        decode += _per_item(decode_all, len(bodies), 1, 0.15)
        run += _per_item(translate_all, len(wires), 1, 0.15)
    return statistics.median(decode) * 1e6, statistics.median(run) * 1e6


def measure(name: str, translate: Callable[[Wire], object], wires: list[Wire], rounds: int = 7) -> float:
    """Print one row: median µs per answer for a bare decode and for translate, and decode / translate."""
    decode_us, translate_us = timings(translate, wires, rounds)
    ratio = decode_us / translate_us
    print(f"{name:>12} | {len(wires):>5} | {decode_us:>9.2f} | {translate_us:>12.2f} | {ratio:>6.2f}x")
    return ratio


def mixes() -> dict[str, tuple[Callable[[Wire], object], list[Wire]]]:
    """Each adapter's translate with its mix of real-shaped answers."""
    return {
        "tranzzo": (tranzzo.translate, TRANZZO_MIX),
        "flutterwave": (flutterwave.translate, bench_flutterwave.wires(len(bench_flutterwave.MIX) * 10)),
        "generic": (generic.example.translate, GENERIC_MIX),
    }


def rows(rounds: int = 7) -> list[Row]:
    """``make bench`` rows: translate per adapter against a bare ``msgspec.json.decode`` of the same bodies."""
    found = []
    for name, (translate, wires) in mixes().items():
        decode_us, translate_us = timings(translate, wires, rounds)
        target = 0.3 if name in ("tranzzo", "flutterwave") else 0.0
        note = "parse once + redaction fast path; bounded by Python-level passes and classification (docs/adapters.md)"
        found.append(cost_row(f"translate {name} vs bare decode", translate_us, decode_us, "µs/answer", target, note))
    return found


def main() -> None:
    print("translate per adapter against a bare msgspec.json.decode of the same bodies (medians of 7 rounds)")
    print(f"{'adapter':>12} | {'wires':>5} | decode µs | translate µs | decode/translate")
    for name, (translate, wires) in mixes().items():
        measure(name, translate, wires)
    print("issue 9 target: decode/translate >= 0.3x for tranzzo and flutterwave")


if __name__ == "__main__":
    main()
