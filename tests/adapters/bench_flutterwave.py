"""Rave v2 translate rate next to a bare ``msgspec.json.decode`` of the same bodies, measured in one run.

    .venv/bin/python -m tests.adapters.bench_flutterwave [answers]

The mix follows a busy day: mostly charge and verify answers, some OTP and long-request flows, a few timeouts,
refusals and gateway pages. Prints both rates (medians of 5 rounds) and their ratio; asserts nothing about time.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import msgspec

from payfold import Operation, Wire
from payfold.adapters import flutterwave
from tests.adapters import test_flutterwave_fixtures as fx

MIX: tuple[tuple[int, Operation, int, object], ...] = (
    (20, "charge", 200, fx.CHARGE_00),
    (10, "charge", 200, fx.CHARGE_02_PIN_OTP),
    (5, "charge", 200, fx.CHARGE_02_3DS_REDIRECT),
    (5, "charge", 200, fx.CHARGE_02_MOBILEMONEY),
    (3, "charge", 200, fx.CHARGE_AUTH_SUGGESTION_PIN),
    (4, "charge", 200, fx.LONG_REQ),
    (4, "poll", 200, fx.POLL_PENDING),
    (4, "poll", 200, fx.POLL_COMPLETED),
    (8, "validate", 200, fx.VALIDATE_CARD_00),
    (15, "requery", 200, fx.verify_flat()),
    (10, "requery", 200, fx.verify_snake()),
    (3, "requery", 404, fx.VERIFY_NO_TX),
    (3, "charge", 400, fx.CHARGE_ERROR_BIN),
    (2, "charge", 200, fx.TIMEOUT_FLW_ERR_NR),
    (2, "charge", 200, fx.TIMEOUT_R0_REQUERY),
    (2, "charge", 503, fx.TIMEOUT_NGINX_503),
)


def wires(total: int) -> list[Wire]:
    """``total`` wires in the proportions of ``MIX``."""
    pattern = [fx.wire(op, status, body) for weight, op, status, body in MIX for _ in range(weight)]  # type: ignore[arg-type]
    return [pattern[i % len(pattern)] for i in range(total)]


def bare_decode(wire: Wire) -> object:
    try:
        return msgspec.json.decode(wire.body)
    except msgspec.DecodeError:
        return None


def rate(work: Callable[[Wire], object], items: list[Wire], rounds: int = 5) -> float:
    """Median answers per second over ``rounds`` passes."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            work(item)
        rates.append(len(items) / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv: list[str]) -> None:
    total = int(argv[1]) if len(argv) > 1 else 20_000
    items = wires(total)
    translate_rate = rate(flutterwave.translate, items)
    decode_rate = rate(bare_decode, items)
    size = statistics.mean(len(item.body) for item in items)
    print(f"flutterwave translate: {translate_rate:>12,.0f} answers/s  ({total} answers, mean body {size:.0f} B)")
    print(f"msgspec.json.decode:   {decode_rate:>12,.0f} bodies/s")
    print(f"ratio decode/translate: {decode_rate / translate_rate:.1f}x")


if __name__ == "__main__":
    main(sys.argv)
