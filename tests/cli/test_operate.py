"""The operator's commands: explain a payment, list reviews, resolve with refusals, replay under another policy."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from payfold import (
    Event,
    OutcomeUnknown,
    PaymentCreated,
    RequeryConfirmed,
    RequeryPending,
    RequestSent,
    ReviewRequired,
    fold,
)
from payfold.adapters.cli import main
from payfold.adapters.stores.sqlite import SqliteStore
from payfold.testing import wire

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _created(payment: str) -> PaymentCreated:
    return PaymentCreated(at=T0, payment_id=payment, provider="tranzzo", amount=1250, currency="UAH",
                          reference=f"order-{payment}")  # fmt: skip


def _ambiguous(payment: str) -> list[Event]:
    return [
        _created(payment),
        RequestSent(at=at(1), operation="charge", attempt=1),
        OutcomeUnknown(at=at(2), wire=wire("charge", at(2), status=500), cause="server_error"),
    ]


def _histories() -> dict[str, list[Event]]:
    pending = _ambiguous("pay-pending")
    review = [*_ambiguous("pay-review"), ReviewRequired(at=at(3), reason="deadline", detail="no verdict")]
    review += [RequestSent(at=at(90), operation="requery", attempt=1),
               RequeryPending(at=at(91), wire=wire("requery", at(91), status=200))]  # fmt: skip
    created = _created("pay-settled")
    settled = [*_ambiguous("pay-settled"), RequestSent(at=at(70), operation="requery", attempt=1)]
    confirmed = RequeryConfirmed(
        at=at(71), wire=wire("requery", at(71)), provider_ref="tx-1",
        reference=created.reference, amount=created.amount, currency=created.currency,
    )  # fmt: skip
    settled.append(confirmed)
    return {"pay-pending": pending, "pay-review": review, "pay-settled": settled}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"

    async def write() -> None:
        store = await SqliteStore.open(path)
        try:
            for stream, events in _histories().items():
                await store.append(stream, events, 0)
        finally:
            await store.close()

    asyncio.run(write())
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_explain_names_the_rule_behind_each_step_and_stops_at_a_moment(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(log)
    assert main(["explain", str(log), "pay-pending"]) == 0
    out = capsys.readouterr().out
    assert "[ambiguity-wait]" in out and "relies on v3" in out
    assert "1250 UAH reference order-pay-pending" in out
    assert main(["explain", str(log), "pay-pending", "--at", at(1).isoformat(), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["version"] for m in data["timeline"]] == [1, 2]
    assert data["timeline"][0]["rule"]["id"] == "first-charge"
    assert _digest(log) == before, "explain wrote to the log"


def test_explain_refuses_a_bad_time_and_an_unknown_payment(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["explain", str(log), "pay-pending", "--at", "yesterday"])
    assert exit_info.value.code == 2
    assert main(["explain", str(log), "pay-nope"]) == 2
    assert "no payment 'pay-nope'" in capsys.readouterr().err


def test_resolve_refuses_a_payment_not_under_review_and_a_final_one(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(log)
    assert main(["resolve", str(log), "pay-pending", "settled", "--operator", "ana", "--note", "bank said so"]) == 2
    assert "not under review" in capsys.readouterr().err
    assert main(["resolve", str(log), "pay-review", "settled", "--operator", " ", "--note", "x"]) == 2
    assert "operator is required" in capsys.readouterr().err
    assert main(["resolve", str(log), "pay-review", "settled", "--operator", "ana", "--note", ""]) == 2
    assert "note is required" in capsys.readouterr().err
    assert _digest(log) == before, "a refused resolve wrote to the log"


def test_resolve_records_the_operator_note_and_real_time_and_explain_shows_them(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = datetime.now(UTC)
    assert main(["resolve", str(log), "pay-review", "failed", "--operator", "ana", "--note", "bank: no debit"]) == 0
    assert "pending -> failed by ana" in capsys.readouterr().out
    assert main(["explain", str(log), "pay-review", "--json"]) == 0
    last = json.loads(capsys.readouterr().out)["timeline"][-1]
    assert last["event"]["operator"] == "ana" and last["event"]["note"] == "bank: no debit"
    assert datetime.fromisoformat(last["event"]["at"]) >= started
    assert main(["resolve", str(log), "pay-review", "settled", "--operator", "ana", "--note", "again"]) == 2
    assert "already failed" in capsys.readouterr().err


def test_resolve_force_decides_a_payment_still_in_progress(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["resolve", str(log), "pay-pending", "settled", "--operator", "ana", "--note", "statement line 4", "--force"]
    assert main(args) == 0

    async def read() -> list[Event]:
        store = await SqliteStore.open(log)
        try:
            return await store.read("pay-pending")
        finally:
            await store.close()

    assert fold(asyncio.run(read())).status.value == "settled"


def test_replay_reports_where_another_policy_decides_differently(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "slower.toml"
    policy.write_text('[tranzzo]\nambiguity_delay = "5m"\n')
    before = _digest(log)
    assert main(["replay", str(log), "--policy", str(policy), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["payments"] == 3
    changed = {d["payment"]: d for d in data["divergences"]}
    assert set(changed) >= {"pay-pending"}
    assert changed["pay-pending"]["version"] == 3
    # 5 min instead of 1 min, each plus its jitter (at most 10%, a pure function of the payment).
    assert 240 - 6 <= changed["pay-pending"]["shift_seconds"] <= 240 + 30
    same = tmp_path / "same.toml"
    same.write_text("[tranzzo]\nambiguity_delay = 60\n")
    assert main(["replay", str(log), "--policy", str(same), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["differing"] == 0
    assert _digest(log) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bogus = 1\n", "bogus: not a Policy field"),
        ('ambiguity_delay = "soon"\n', "ambiguity_delay: expected seconds"),
        ("max_polls = 0\n", "max_polls must be at least 1"),
        ("requery_backoff = 5\n", "expected an array"),
        ("= broken", "not TOML"),
    ],
)
def test_replay_refuses_a_bad_policy_file_in_one_line(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    policy = tmp_path / "bad.toml"
    policy.write_text(text)
    assert main(["replay", str(log), "--policy", str(policy)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(policy) in err
    assert len(err.strip().splitlines()) == 1
