"""Which log a command was given, checked before any store opens it: a read-only command never creates,
migrates or writes a file, and a file that is not a payfold log is named as such in one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from payfold import PayfoldError

_SQLITE_HEADER = b"SQLite format 3\x00"


class NotALog(PayfoldError):
    """The path given is not a payfold log (missing, a directory, empty, not SQLite, or without payfold tables)."""


def is_dsn(db: str) -> bool:
    """A PostgreSQL connection string rather than a file."""
    return db.startswith(("postgres://", "postgresql://"))


def check_log(db: str) -> None:
    """Refuse ``db`` unless it is an existing SQLite file holding payfold's tables (read without writing)."""
    path = Path(db)
    if not path.exists():
        raise NotALog(f"{db}: no such file")
    if path.is_dir():
        raise NotALog(f"{db}: is a directory, not a payfold log")
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise NotALog(f"{db}: cannot be read: {error.strerror}") from None
    if not header:
        raise NotALog(f"{db}: an empty file is not a payfold log")
    if header != _SQLITE_HEADER:
        raise NotALog(f"{db}: not a payfold log (not a SQLite database)")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise NotALog(f"{db}: not a payfold log ({error})") from None
    if "payfold_events" not in names:
        raise NotALog(f"{db}: a SQLite database without payfold's tables, not a payfold log")
