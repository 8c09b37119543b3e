"""Kill -9 a writer at random moments: every append it was told is stored must be there, the chain intact."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from pathlib import Path

from payfold.adapters.stores.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
KILLS = 50


async def _run_and_kill(path: Path, seed: int, rng: random.Random) -> tuple[list[str], bool]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.stores._crash_child",
        str(path),
        str(seed),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert child.stdout is not None
    during_open = rng.random() < 0.2
    if not during_open:
        assert await asyncio.wait_for(child.stdout.readline(), 30) == b"ready\n"
    await asyncio.sleep(rng.uniform(0.0, 0.25))
    child.send_signal(signal.SIGKILL)
    rest = await child.stdout.read()
    await child.wait()
    assert child.returncode == -signal.SIGKILL
    lines = [line for line in rest.decode().splitlines() if line and line != "ready"]
    return lines, during_open


async def test_acknowledged_appends_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    rng = random.Random(20260101)
    acknowledged: dict[tuple[str, int], str] = {}
    mid_append = 0
    for kill in range(KILLS):
        lines, during_open = await _run_and_kill(path, kill, rng)
        mid_append += bool(lines) and not during_open
        for line in lines:
            stream, version, eid = line.split()
            acknowledged[(stream, int(version))] = eid
        store = await SqliteStore.open(path)
        try:
            report = await store.verify()
            assert report.ok, (kill, report.problems)
            stored = {(r.stream, r.version): r.id async for r in store.read_all(batch=5000)}
            lost = {key for key, eid in acknowledged.items() if stored.get(key) != eid}
            assert not lost, (kill, sorted(lost)[:5])
        finally:
            await store.close()
    assert len(acknowledged) > KILLS, "too few appends were acknowledged to mean anything"
    assert mid_append > KILLS // 2
