"""The sandbox's journal: its orders and ledger outlive the process, so a restart reconciles honestly."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from payfold import ChargeDuplicate, RequeryConfirmed, RequeryDeclined, RequeryNotFound
from payfold.adapters.sandbox import FaultPlan

from ._drive import payment, rig


async def test_a_restarted_sandbox_remembers_what_it_charged(tmp_path: Path) -> None:
    journal = tmp_path / "sandbox.jsonl"
    async with rig(journal=journal) as first:
        await first.charge(payment("tranzzo", "kept", amount=12_300))
        await first.charge(payment("flutterwave", "kept-rave"))
        before = first.sandbox.ledger.snapshot()
    async with rig(journal=journal) as second:
        assert second.sandbox.ledger.snapshot() == before
        confirmed = await second.requery(payment("tranzzo", "kept", amount=12_300))
        assert isinstance(confirmed, RequeryConfirmed) and confirmed.amount == 12_300
        assert isinstance(await second.charge(payment("tranzzo", "kept", amount=12_300)), ChargeDuplicate)
        assert second.sandbox.ledger.charged("tranzzo", "kept") == 1
        assert second.sandbox.ledger.attempts("tranzzo", "kept") == 2
        assert second.sandbox.ledger.repeats[("tranzzo", "kept")] == 1
    async with rig(journal=journal) as third:  # the refused repeat was journaled too
        assert third.sandbox.ledger.attempts("tranzzo", "kept") == 2
        assert third.sandbox.ledger.repeats[("tranzzo", "kept")] == 1


async def test_declines_and_late_landings_are_remembered_as_they_were(tmp_path: Path) -> None:
    journal = tmp_path / "sandbox.jsonl"
    async with rig(FaultPlan.only("decline"), journal=journal) as first:
        await first.charge(payment("tranzzo", "no"))
    async with rig(FaultPlan.only("late_landing", landing_delay=timedelta(minutes=2)), journal=journal) as second:
        await second.charge(payment("tranzzo", "later"))
    async with rig(journal=journal) as third:
        assert isinstance(await third.requery(payment("tranzzo", "no")), RequeryDeclined)
        assert third.sandbox.ledger.charged("tranzzo", "no") == 0
        assert isinstance(await third.requery(payment("tranzzo", "later")), RequeryNotFound)  # not landed yet
        third.clock.advance(timedelta(minutes=2))
        assert isinstance(await third.requery(payment("tranzzo", "later")), RequeryConfirmed)


async def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    journal = tmp_path / "sandbox.jsonl"
    async with rig(journal=journal) as first:
        await first.charge(payment("tranzzo", "whole"))
    with journal.open("ab") as file:
        file.write(b'{"type":"attempt","provider":"tranz')  # the process died mid-write
    async with rig(journal=journal) as second:
        assert second.sandbox.ledger.charged("tranzzo", "whole") == 1
        assert second.sandbox.ledger.attempts("tranzzo", "whole") == 1


async def test_without_a_journal_nothing_is_written(tmp_path: Path) -> None:
    async with rig() as r:
        await r.charge(payment("tranzzo", "volatile"))
        assert r.sandbox.journal is None
    assert list(tmp_path.iterdir()) == []
