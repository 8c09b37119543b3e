"""Fixtures of the audit report tests: a small log of stories whose status paths are written out by hand, the
audit report that goes with it, and Debian's Chromium (installed when missing: the browser test never skips)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from payfold import (
    ChargeAccepted,
    ChargeRejected,
    Event,
    EventStore,
    LongRequestStarted,
    Operation,
    OutcomeUnknown,
    PaymentFailed,
    PaymentSettled,
    PollCompleted,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryPending,
    RequestSent,
    ReviewRequired,
    SettledManually,
)
from payfold.adapters.audit import AuditReport, Finding, Review
from payfold.testing import created, seconds, wire

CHROMIUM = "/usr/bin/chromium"

HOSTILE = '</pre></details><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
"""A provider body (and a header, a note, a stream name) that would run script if the page did not escape it."""

HOSTILE_STREAM = 'pay-<b onmouseover="window.__pwned = 3">x</b> "&'


@dataclass(frozen=True)
class Story:
    """One payment of the test log and the statuses it goes through, written out by hand (not computed)."""

    stream: str
    events: list[Event]
    path: list[str]


def _sent(at: float, operation: Operation, attempt: int = 1) -> RequestSent:
    return RequestSent(at=seconds(at), operation=operation, attempt=attempt)


def stories() -> list[Story]:
    """Settled, failed, polled then declined, under review, decided by hand, hostile, and not replayable."""
    unknown = OutcomeUnknown(
        at=seconds(2),
        wire=wire(
            "charge",
            seconds(2),
            status=500,
            body=b'{"message": "internal error", "error_id": "e-1"}',
            headers=(("content-type", "application/json"), ("x-request-id", "r-1")),
        ),
        cause="server_error",
    )
    return [
        Story(
            "pay-settled",
            [
                created(payment_id="pay-settled"),
                _sent(1, "charge"),
                unknown,
                _sent(62, "requery"),
                RequeryConfirmed(
                    at=seconds(63),
                    wire=wire("requery", seconds(63), body=b'{"status": "success", "order_id": "order-1"}'),
                    provider_ref="tr-1",
                    reference="order-1",
                    amount=450_000,
                    currency="XTS",
                ),
                PaymentSettled(at=seconds(63), provider_ref="tr-1"),
            ],
            ["created", "pending", "requeried", "settled"],
        ),
        Story(
            "pay-failed",
            [
                created(payment_id="pay-failed"),
                _sent(1, "charge"),
                ChargeRejected(
                    at=seconds(2),
                    wire=wire("charge", seconds(2), status=400, body=b'{"message": "invalid card token"}'),
                    reason="invalid card token",
                    code="400",
                ),
                PaymentFailed(at=seconds(2), reason="charge rejected: invalid card token"),
            ],
            ["created", "pending", "failed"],
        ),
        Story(
            "pay-polled",
            [
                created(payment_id="pay-polled", provider="flutterwave"),
                _sent(1, "charge"),
                LongRequestStarted(
                    at=seconds(2),
                    wire=wire("charge", seconds(2), body=b'{"status": "success", "message": "LONG-REQ"}'),
                    ping_url="https://ping.example/r-9",
                    request_id="r-9",
                    wait=timedelta(seconds=5),
                ),
                _sent(8, "poll"),
                PollCompleted(at=seconds(9), wire=wire("poll", seconds(9)), response='{"status": "failed"}'),
                _sent(9, "requery"),
                RequeryDeclined(at=seconds(10), wire=wire("requery", seconds(10)), code="51", reason="no funds"),
                PaymentFailed(at=seconds(10), reason="declined 51 no funds"),
            ],
            ["created", "pending", "polling", "requeried", "failed"],
        ),
        Story(
            "pay-review",
            [
                created(payment_id="pay-review"),
                _sent(1, "charge"),
                ChargeAccepted(at=seconds(2), wire=wire("charge", seconds(2)), provider_ref="tr-3"),
                _sent(8, "requery"),
                RequeryConfirmed(
                    at=seconds(9),
                    wire=wire("requery", seconds(9)),
                    provider_ref="tr-3",
                    reference="order-1",
                    amount=400_000,
                    currency="XTS",
                ),
                ReviewRequired(at=seconds(9), reason="amount_mismatch", detail="expected 450000, provider said 400000"),
            ],
            ["created", "pending", "requeried"],
        ),
        Story(
            "pay-manual",
            [
                created(payment_id="pay-manual"),
                _sent(1, "charge"),
                OutcomeUnknown(
                    at=seconds(31), wire=wire("charge", seconds(31), status=None, error="timeout"), cause="timeout"
                ),
                _sent(70, "requery"),
                RequeryPending(at=seconds(71), wire=wire("requery", seconds(71))),
                ReviewRequired(at=seconds(3 * 86_400), reason="deadline", detail="no verdict 3 days after creation"),
                SettledManually(at=seconds(3 * 86_400 + 600), operator="alice", note="bank statement shows the debit"),
            ],
            ["created", "pending", "settled"],
        ),
        Story(
            HOSTILE_STREAM,
            [
                created(payment_id=HOSTILE_STREAM, reference="order-<i>2</i>"),
                _sent(1, "charge"),
                OutcomeUnknown(
                    at=seconds(2),
                    wire=wire("charge", seconds(2), status=502, body=HOSTILE.encode(), headers=(("x-evil", HOSTILE),)),
                    cause="html",
                ),
                _sent(10, "requery"),
                RequeryPending(
                    at=seconds(11), wire=wire("requery", seconds(11), body=b"\x00\x1b[31m" + HOSTILE.encode())
                ),
            ],
            ["created", "pending"],
        ),
        Story(
            "pay-broken",
            [created(payment_id="pay-broken"), PaymentSettled(at=seconds(5))],
            ["created"],
        ),
    ]


async def write_stories(store: EventStore, log: list[Story]) -> None:
    for story in log:
        await store.append(story.stream, story.events, expected_version=0)


def audit_report(log: list[Story]) -> AuditReport:
    """The report an audit of ``log`` would give, written by hand (the HTML is tested, not the audit)."""
    finals = Counter(story.path[-1] for story in log)
    return AuditReport(
        streams=len(log),
        events=sum(len(story.events) for story in log),
        statuses=finals,
        findings=[
            Finding(
                kind="conduct",
                stream=HOSTILE_STREAM,
                version=4,
                rule="ambiguity-wait",
                detail="requery sent 2026-01-01T00:00:10Z, due no sooner than 2026-01-01T00:01:02Z " + HOSTILE,
            ),
            Finding(kind="replay", stream="pay-broken", version=2, detail="settled is not allowed when status=created"),
            Finding(kind="checkpoint", stream="pay-deleted", detail="the stream is gone; checkpointed at v6"),
            Finding(kind="checkpoint", stream="", detail="the log holds 2 events fewer than checkpointed"),
        ],
        reviews=[
            Review(
                stream="pay-review",
                reason="amount_mismatch",
                since=seconds(9),
                last_answer='requery_confirmed 400000 XTS <script>alert("x")</script>',
            )
        ],
        keyed=True,
        checkpoint="/var/backups/payfold.checkpoint",
    )


@pytest.fixture(scope="session")
def chromium() -> Iterator[str]:
    """Debian's Chromium: installed with apt-get when missing (CI runs as root with Debian's archive at hand)."""
    if not os.access(CHROMIUM, os.X_OK):
        _install_chromium()
    yield CHROMIUM


def _install_chromium() -> None:
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail(f"the browser test needs Debian's chromium at {CHROMIUM}, and there is no apt-get to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    outputs = []
    for command in ([apt, "update"], [apt, "install", "-y", "chromium"]):
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        outputs.append(run.stdout[-2000:] + run.stderr[-2000:])
        if run.returncode != 0:
            break
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"cannot install Debian's chromium for the browser test (`apt-get install -y chromium` as root, with "
            f"network to Debian's archive); apt said:\n{outputs[-1]}"
        )
