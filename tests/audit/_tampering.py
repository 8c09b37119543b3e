"""Each way an intruder with write access (and no chain key) can change a log, and the audit mode that must
name it. ``docs/audit.md`` states, in its table of modes, which mode detects which tampering; the tests read
that table, so the page and the audit cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Final

import msgspec

from payfold import PaymentCreated, PaymentFailed, PaymentSettled, RequeryConfirmed, RequeryDeclined
from tests.audit._logs import KEY, Log, audited, forge, records, rehash, seed, stream

DOCS: Final = Path(__file__).parents[2] / "docs" / "audit.md"
MODES: Final = ("chain", "checkpoint", "key", "key + checkpoint")
"""The columns of the table in docs/audit.md: the plain chain alone, with a checkpoint, with a key, with both."""
INTEGRITY: Final = frozenset({"chain", "key", "unreadable", "checkpoint"})


@dataclass(frozen=True)
class Tampering:
    """``run`` changes the log and returns the (stream, version) the audit must name; ``kinds``: the finding
    kinds that count as naming it."""

    title: str
    """The row of the table in docs/audit.md."""
    run: Callable[[Log], Awaitable[tuple[str, int]]]
    kinds: frozenset[str] = INTEGRITY


async def _edit_row(log: Log) -> tuple[str, int]:
    found = (await records(log, stream(1)))[2]
    data = found.data.replace(b'"provider_ref":"tx-1"', b'"provider_ref":"tx-9"')
    assert data != found.data
    await log.sql("UPDATE payfold_events SET data = {} WHERE stream = {} AND version = 3", data, stream(1))
    return stream(1), 3


async def _delete_row(log: Log) -> tuple[str, int]:
    await log.sql("DELETE FROM payfold_events WHERE stream = {} AND version = 3", stream(1))
    return stream(1), 3


async def _reorder(log: Log) -> tuple[str, int]:
    two, three = (await records(log, stream(1)))[1:3]
    sql = "UPDATE payfold_events SET tag = {}, id = {}, hash = {}, data = {} WHERE stream = {} AND version = {}"
    await log.sql(sql, three.tag, "x", "x", three.data, stream(1), 2)  # the (stream, id) key forbids a twin
    await log.sql(sql, two.tag, two.id, two.hash, two.data, stream(1), 3)
    await log.sql(sql, three.tag, three.id, three.hash, three.data, stream(1), 2)
    return stream(1), 2


async def _forged_append(log: Log) -> tuple[str, int]:
    """A second confirmation appended to a settled payment: valid in every way but the key."""
    settled = await records(log, stream(0))
    confirmed = settled[4].event()
    assert isinstance(confirmed, RequeryConfirmed)
    later = msgspec.structs.replace(confirmed, at=confirmed.at + timedelta(minutes=5))
    return stream(0), await forge(log, stream(0), later)


async def _rewritten_as_settled(log: Log) -> tuple[str, int]:
    """A failed payment's decline and verdict rewritten as a confirmation and a settlement, re-hashed."""
    failed = await records(log, stream(1))
    created, declined, verdict = failed[0].event(), failed[4].event(), failed[5].event()
    assert isinstance(created, PaymentCreated)
    assert isinstance(declined, RequeryDeclined) and isinstance(verdict, PaymentFailed)
    confirmed = RequeryConfirmed(
        at=declined.at,
        wire=declined.wire,
        provider_ref="tx-1",
        reference=created.reference,
        amount=created.amount,
        currency=created.currency,
    )
    await rehash(log, stream(1), {5: confirmed, 6: PaymentSettled(at=verdict.at, provider_ref="tx-1")})
    return stream(1), 5  # the checkpoint names its head, v6: see CHECKPOINT_NAMES


async def _last_rehashed(log: Log) -> tuple[str, int]:
    last = (await records(log, stream(3)))[-1].event()
    assert isinstance(last, PaymentSettled)
    await rehash(log, stream(3), {6: msgspec.structs.replace(last, provider_ref="tx-elsewhere")})
    return stream(3), 6


async def _tail_deleted(log: Log) -> tuple[str, int]:
    await log.sql("DELETE FROM payfold_events WHERE stream = {} AND version = 9", stream(5))
    return stream(5), 9


async def _stream_deleted(log: Log) -> tuple[str, int]:
    await log.sql("DELETE FROM payfold_events WHERE stream = {}", stream(3))
    await log.sql("DELETE FROM payfold_due WHERE stream = {}", stream(3))
    return stream(3), 6


async def _due_deleted(log: Log) -> tuple[str, int]:
    await log.sql("DELETE FROM payfold_due WHERE stream = {}", stream(2))
    return stream(2), 9


TAMPERINGS: Final = {
    "edit": Tampering("a row edited", _edit_row),
    "delete": Tampering("a row deleted", _delete_row),
    "reorder": Tampering("two rows swapped", _reorder),
    "forged-append": Tampering("a row appended with a valid plain hash", _forged_append),
    "rewritten": Tampering("a failed payment rewritten as settled, re-hashed", _rewritten_as_settled),
    "last-rehashed": Tampering("the last event edited, re-hashed", _last_rehashed),
    "tail": Tampering("the last row deleted", _tail_deleted),
    "stream": Tampering("a whole payment deleted", _stream_deleted),
    "due": Tampering("a due row deleted", _due_deleted, kinds=frozenset({"due"})),
}

CHECKPOINT_NAMES: Final = {"rewritten": 6}
"""Where a checkpoint names a different row than the key: the checkpointed head (the key names the first
re-hashed row)."""


def documented() -> dict[str, dict[str, bool]]:
    """docs/audit.md's table: for each tampering (by key of ``TAMPERINGS``), which modes detect it."""
    rows: dict[str, dict[str, bool]] = {}
    titles = {tampering.title: name for name, tampering in TAMPERINGS.items()}
    for line in DOCS.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 1 + len(MODES) or cells[0] not in titles:
            continue
        rows[titles[cells[0]]] = {
            mode: cell.lstrip("*").startswith("yes") for mode, cell in zip(MODES, cells[1:], strict=True)
        }
    return rows


Named = list[tuple[str, str, int]]


async def case(log: Log, name: str, mode: str, folder: Path) -> tuple[tuple[str, int], Named]:
    """Seed the log for ``mode``, tamper with it as ``name`` says, audit it in ``mode``: the row the audit must
    name, and every finding of the tampering's kinds as (kind, stream, version)."""
    key = KEY if "key" in mode else None
    checkpoint = folder / "checkpoint.json" if "checkpoint" in mode else None
    await seed(log, key=key)
    if checkpoint is not None:
        before = await audited(log, key=key, checkpoint=checkpoint)
        assert before.ok and before.checkpoint_written, before.findings
    tampering = TAMPERINGS[name]
    target = await tampering.run(log)
    report = await audited(log, key=key, checkpoint=checkpoint)
    named: Named = [(f.kind, f.stream, f.version or 0) for f in report.findings if f.kind in tampering.kinds]
    return target, named
