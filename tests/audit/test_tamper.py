"""Every tampering of the table in docs/audit.md, on SQLite and on PostgreSQL: the audit names the payment and
the row in each mode the page says detects it, and (SQLite) stays silent about it in the modes it says cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit._logs import PostgresLog, SqliteLog
from tests.audit._tampering import CHECKPOINT_NAMES, MODES, TAMPERINGS, case, documented

TABLE = documented()
CELLS = [(name, mode) for name in TAMPERINGS for mode in MODES]
DETECTED = [(name, mode) for name, mode in CELLS if TABLE.get(name, {}).get(mode)]


def test_the_docs_table_covers_every_tampering_and_the_checks_that_must_catch_them() -> None:
    assert set(TABLE) == set(TAMPERINGS)
    for name in ("edit", "delete", "reorder", "due"):
        assert all(TABLE[name].values()), name  # the plain chain (or the due check) alone sees these
    for name in ("forged-append", "rewritten", "last-rehashed"):
        assert TABLE[name]["key"] and not TABLE[name]["chain"], name
    for name in ("rewritten", "last-rehashed", "tail", "stream"):
        assert TABLE[name]["checkpoint"], name


def _expected(name: str, mode: str, target: tuple[str, int]) -> tuple[str, int]:
    if mode == "checkpoint" and name in CHECKPOINT_NAMES:
        return target[0], CHECKPOINT_NAMES[name]
    return target


@pytest.mark.parametrize(("name", "mode"), CELLS, ids=[f"{n}-{m.replace(' + ', '+')}" for n, m in CELLS])
async def test_sqlite_tampering_is_named_exactly_where_the_docs_say(tmp_path: Path, name: str, mode: str) -> None:
    target, named = await case(SqliteLog(tmp_path / "log.db"), name, mode, tmp_path)
    stream, version = _expected(name, mode, target)
    if TABLE[name][mode]:
        assert any((s, v) == (stream, version) for _, s, v in named), named
    else:
        assert not [n for n in named if n[1] == stream], named


@pytest.mark.parametrize(("name", "mode"), DETECTED, ids=[f"{n}-{m.replace(' + ', '+')}" for n, m in DETECTED])
async def test_postgres_tampering_is_named_where_the_docs_say(
    pg_dsn: str, tmp_path: Path, name: str, mode: str
) -> None:
    target, named = await case(PostgresLog(pg_dsn), name, mode, tmp_path)
    stream, version = _expected(name, mode, target)
    assert any((s, v) == (stream, version) for _, s, v in named), named
