"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``: enough to load a page, read it, click
it and take a screenshot, with no websocket library and no browser-automation framework.

Chromium reads commands from its fd 3 and writes answers and events to its fd 4, each message one JSON object
ended by a NUL byte. The browser runs in its own process group, which ``close`` always kills (also when a test
fails half-way), so no renderer outlives the test.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self

Message = dict[str, Any]

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--remote-debugging-pipe",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    "--window-size=1280,900",
)


class BrowserError(RuntimeError):
    """The browser did not answer as the protocol says (a crash, a timeout, or an error answer)."""


def _high_fd(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or above (close-on-exec), so it can never collide with the child's 3 and 4."""
    copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return copy


class Browser:
    """One headless Chromium and one page (a target attached in flat mode: commands carry its session id)."""

    def __init__(self, executable: str, *, timeout: float = 15.0) -> None:
        self.timeout = timeout
        self.events: list[Message] = []
        self._next_id = 0
        self._buffer = b""
        self._profile = tempfile.TemporaryDirectory(prefix="payfold-chromium-")
        self._log = Path(self._profile.name) / "chromium.log"
        to_chrome_r, self._out = (_high_fd(fd) for fd in os.pipe())
        self._in, from_chrome_w = (_high_fd(fd) for fd in os.pipe())
        log = _high_fd(os.open(self._log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        null = _high_fd(os.open(os.devnull, os.O_RDONLY))
        argv = [executable, *FLAGS, f"--user-data-dir={self._profile.name}"]
        try:
            # posix_spawn puts our pipe ends at the child's fds 3 and 4 (the copies >= 10 close on exec) and
            # starts it in a new session, so its process group holds the browser and every renderer it forks.
            self.pid = os.posix_spawn(
                executable,
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, null, 0),
                    (os.POSIX_SPAWN_DUP2, log, 1),
                    (os.POSIX_SPAWN_DUP2, log, 2),
                    (os.POSIX_SPAWN_DUP2, to_chrome_r, 3),
                    (os.POSIX_SPAWN_DUP2, from_chrome_w, 4),
                ],
                setsid=True,
            )
        except OSError as exc:
            for fd in (self._out, self._in):
                os.close(fd)
            self._profile.cleanup()
            raise BrowserError(f"cannot start {executable}: {exc}") from exc
        finally:
            for fd in (to_chrome_r, from_chrome_w, log, null):
                os.close(fd)
        self._exit_status: int | None = None
        self.session = ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the protocol -------------------------------------------------------------------------------------------

    def send(self, method: str, params: Message | None = None, *, page: bool = True) -> Message:
        """Send one command (to the page's session unless ``page`` is False) and return its result."""
        self._next_id += 1
        message: Message = {"id": self._next_id, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._out, data) :]
        except OSError as exc:
            raise BrowserError(f"cannot send {method} to Chromium ({exc}){self._log_tail()}") from None
        answer = self._receive(lambda m: m.get("id") == message["id"], f"the answer to {method}")
        if "error" in answer:
            raise BrowserError(f"{method} failed: {answer['error']}")
        result: Message = answer.get("result", {})
        return result

    def wait_for(self, method: str, *, timeout: float | None = None) -> Message:
        """The first event called ``method`` received so far or within ``timeout`` seconds."""
        for event in self.events:
            if event.get("method") == method:
                return event
        return self._receive(lambda m: m.get("method") == method, f"the event {method}", timeout)

    def _receive(self, wanted: Callable[[Message], bool], what: str, timeout: float | None = None) -> Message:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message: Message = json.loads(raw)
                if wanted(message):
                    return message
                if "method" in message:
                    self.events.append(message)
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"no {what} within {timeout or self.timeout} s{self._log_tail()}")
            ready, _, _ = select.select([self._in], [], [], left)
            if ready:
                chunk = os.read(self._in, 1 << 20)
                if not chunk:
                    raise BrowserError(f"Chromium closed its pipe while waiting for {what}{self._log_tail()}")
                self._buffer += chunk

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = self._log.read_text(errors="replace").splitlines()[-15:]
            return "; Chromium's log ends with:\n" + "\n".join(lines)
        return ""

    # --- a page ---------------------------------------------------------------------------------------------------

    def open_page(self) -> None:
        """Create a blank page, attach to it, and turn on the domains that report console output and errors."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def load(self, url: str) -> None:
        """Navigate to ``url`` and wait for its load event."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        answer = self.send("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise BrowserError(f"cannot load {url}: {answer['errorText']}")
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited); a thrown error is a BrowserError."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression!r} threw: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def wait_until(self, expression: str, *, timeout: float = 5.0) -> Any:
        """The first truthy value of ``expression``, evaluated until ``timeout`` seconds have passed: for what the page
        does in a later task (a ``hashchange`` handler runs after the click that changed the hash)."""
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            if time.monotonic() > deadline:
                raise BrowserError(f"{expression!r} still gives {value!r} after {timeout} s")
            time.sleep(0.02)
        return value

    def click(self, selector: str) -> None:
        """A real mouse click (press and release) on the first element matching ``selector``: at the middle of its
        first box (a link wrapped over two lines has its middle between them)."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getClientRects()[0]; return r ? [r.x + r.width / 2, r.y + r.height / 2] : null; })()"
        )
        if box is None:
            raise BrowserError(f"nothing shown matches {selector!r}")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def screenshot(self) -> bytes:
        """A PNG of the whole page."""
        answer = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})
        return base64.b64decode(answer["data"])

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries reported so far, one line each."""
        self._drain()
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(f"log error: {params['entry']}")
        return found

    def _drain(self) -> None:
        """Read whatever the browser already sent (a round trip guarantees earlier events have arrived)."""
        self.evaluate("0")

    # --- the end ----------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Ask the browser to quit, then kill its process group whatever happened, and remove its profile."""
        try:
            if self._exited(0):
                return
            with contextlib.suppress(BrowserError, OSError, ValueError):
                self.timeout = 2.0
                self.send("Browser.close", page=False)
            self._exited(3.0)
        finally:
            # The group outlives its leader while a renderer lives: kill it whether or not the leader quit.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            self._exited(5.0)
            for fd in (self._out, self._in):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._profile.cleanup()

    def _exited(self, timeout: float) -> bool:
        """Reap the browser if it exits within ``timeout`` seconds; True once it has."""
        deadline = time.monotonic() + timeout
        while self._exit_status is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self._exit_status = -1
                break
            if pid:
                self._exit_status = status
                break
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True


@contextlib.contextmanager
def browser(executable: str) -> Iterator[Browser]:
    """A started browser with one page open; killed on the way out, also when the body raises."""
    instance = Browser(executable)
    try:
        instance.open_page()
        yield instance
    finally:
        instance.close()
