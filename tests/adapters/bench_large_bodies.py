"""CPU time of translate and webhook on large bodies, per adapter, operation and body shape; no assertions.

    .venv/bin/python -m tests.adapters.bench_large_bodies [sizes] [shapes]

``sizes`` defaults to ``1000000,10000000`` and ``shapes`` to all of them (comma-separated). For each adapter,
shape and operation it prints the CPU seconds per size and the ratio of the last size to the first: a body over
``MAX_BODY`` is cut unread, so past the limit the time stays flat (ratio near 1) where an adapter that read the
whole body would grow tenfold, and one with a backtracking pattern a hundredfold.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from payfold import Operation, Wire
from payfold.adapters import flutterwave, generic, tranzzo

T0 = datetime(2026, 1, 1, tzinfo=UTC)
JSON = (("content-type", "application/json"),)
HTML = (("content-type", "text/html"),)


def _json(size: int) -> bytes:
    head, tail = b'{"status":"success","message":"ok","data":{"status":"successful","pad":"', b'"}}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def _html(size: int) -> bytes:
    unit = b"<p>upstream said no</p>\n"
    return (b"<html><body>" + unit * (size // len(unit) + 1))[:size]


def _random(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def _whitespace(size: int) -> bytes:
    """Whitespace then one byte: the shape a backtracking "is this HTML?" pattern took quadratic time on."""
    return b" " * (size - 1) + b"x"


def _cards(size: int) -> bytes:
    """A JSON array of card-number strings: the most work for the PAN scrubber."""
    return (b'["4111111111111111",' * (size // 19 + 1))[: size - 1] + b"]"


def _secrets(size: int) -> bytes:
    """A JSON array of objects holding a secret field each: the most work for field redaction."""
    return (b'{"data":[' + b'{"cvv":"123"},' * (size // 14 + 1))[: size - 3] + b"]}"


SHAPES: dict[str, tuple[Callable[[int], bytes], tuple[tuple[str, str], ...]]] = {
    "json": (_json, JSON),
    "html": (_html, HTML),
    "random": (_random, ()),
    "whitespace": (_whitespace, ()),
    "cards": (_cards, JSON),
    "secrets": (_secrets, JSON),
}
TRANSLATE: dict[str, Callable[[Wire], object]] = {
    "tranzzo": tranzzo.translate,
    "flutterwave": flutterwave.translate,
    "generic": generic.example.translate,
}
WEBHOOK: dict[str, Callable[..., object]] = {
    "tranzzo": tranzzo.webhook,
    "flutterwave": flutterwave.webhook,
    "generic": generic.example.webhook,
}
OPERATIONS: tuple[Operation, ...] = ("charge", "requery", "poll")


CALLS: tuple[str, ...] = (*OPERATIONS, "webhook")


def cpu_seconds(adapter: str, call: str, body: bytes, headers: tuple[tuple[str, str], ...]) -> float:
    """CPU seconds of one ``translate`` (a wire answering ``call`` with ``body``) or one ``webhook``."""
    start = time.process_time()
    if call == "webhook":
        WEBHOOK[adapter](headers, body, "whsec-bench", at=T0)
    else:
        operation: Operation = "charge" if call == "charge" else "requery" if call == "requery" else "poll"
        TRANSLATE[adapter](
            Wire(operation=operation, sent_at=T0, received_at=T0, status=200, headers=headers, body=body)
        )
    return time.process_time() - start


def main(argv: list[str]) -> None:
    sizes = [int(size) for size in (argv[1] if len(argv) > 1 else "1000000,10000000").split(",")]
    shapes = (argv[2] if len(argv) > 2 else ",".join(SHAPES)).split(",")
    header = " ".join(f"{size:>12,}" for size in sizes)
    print(f"{'adapter':<12} {'shape':<11} {'call':<9} {header}  ratio (CPU seconds)")
    for shape in shapes:
        build, headers = SHAPES[shape]
        bodies = [build(size) for size in sizes]
        for adapter in TRANSLATE:
            for call in CALLS:
                seconds = [cpu_seconds(adapter, call, body, headers) for body in bodies]
                ratio = seconds[-1] / seconds[0] if seconds[0] > 0 else float("inf")
                cells = " ".join(f"{value:>12.3f}" for value in seconds)
                print(f"{adapter:<12} {shape:<11} {call:<9} {cells}  {ratio:5.1f}x", flush=True)


if __name__ == "__main__":
    main(sys.argv)
