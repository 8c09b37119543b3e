"""A real PostgreSQL server for the tests: initdb in a temp dir, started once per session, stopped after.

Binaries come from /usr/lib/postgresql/15/bin (or PAYFOLD_PG_BIN). Running as root, the server runs as the
``postgres`` OS user. fsync is off for speed: these tests check behaviour, not durability.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PAYFOLD_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """A throwaway server; ``create_database()`` gives each test an empty database."""

    def __init__(self, *, fsync: bool = False) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="payfold-pg-"))
        self.port = _free_port()
        self.user = "payfold"
        self._fsync = fsync
        self._names = itertools.count()
        self._as = {"user": "postgres"} if os.geteuid() == 0 else {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        subprocess.run(
            [PG_BIN / "initdb", "-D", data, "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            **self._as,  # type: ignore[call-overload]
        )
        self._log = open(self.dir / "server.log", "wb")  # noqa: SIM115  # closed in stop()
        options = ["-c", f"fsync={'on' if self._fsync else 'off'}", "-c", "full_page_writes=off"]
        if not self._fsync:
            options += ["-c", "synchronous_commit=off"]
        self.process = subprocess.Popen(
            [PG_BIN / "postgres", "-D", data, "-p", str(self.port), "-k", self.dir, "-h", "127.0.0.1", *options],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            **self._as,  # type: ignore[call-overload]
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [PG_BIN / "pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user], capture_output=True
            )
            if ready.returncode == 0:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not start: {(self.dir / 'server.log').read_text()[-2000:]}")

    def dsn(self, database: str = "postgres") -> str:
        """A connection string for ``database`` over loopback TCP."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its DSN."""
        name = f"t{next(self._names)}"
        subprocess.run(
            [PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-T", "template0", name],
            check=True,
            capture_output=True,
        )
        return self.dsn(name)

    def stop(self) -> None:
        """Fast shutdown, then remove the directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
