"""Translate rate next to a bare ``msgspec.json.decode`` of the same bodies, measured in one run.

Run: ``.venv/bin/python -m tests.adapters.bench_translate`` (prints responses/second and the ratio; no assertions).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from payfold import Operation, Wire
from payfold.adapters import generic, tranzzo

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


def _rate(work: Callable[[], None], count: int, seconds: float = 1.5) -> float:
    """Best of 5 short runs, in items per second."""
    best = 0.0
    for _ in range(5):
        rounds, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 5:
            work()
            rounds += 1
        best = max(best, rounds * count / elapsed)
    return best


def measure(name: str, translate: Callable[[Wire], object], wires: list[Wire]) -> float:
    decoder = msgspec.json.Decoder()
    bodies = [wire.body for wire in wires]

    def decode_all() -> None:
        for body in bodies:
            with contextlib.suppress(msgspec.DecodeError):
                decoder.decode(body)

    def translate_all() -> None:
        for wire in wires:
            translate(wire)

    decode_rate = _rate(decode_all, len(bodies))
    translate_rate = _rate(translate_all, len(wires))
    ratio = decode_rate / translate_rate
    print(
        f"{name:>10}: translate {translate_rate:>10,.0f} responses/s | bare msgspec.json.decode "
        f"{decode_rate:>10,.0f} bodies/s | decode/translate = {ratio:.1f}x"
    )
    return translate_rate


def main() -> None:
    print(f"mix: {len(TRANZZO_MIX)} Tranzzo answers, {len(GENERIC_MIX)} generic answers (JSON and gateway HTML)")
    measure("tranzzo", tranzzo.translate, TRANZZO_MIX)
    measure("generic", generic.example.translate, GENERIC_MIX)


if __name__ == "__main__":
    main()
