"""The audit page in a real headless Chromium (Debian's package, driven over the DevTools pipe by tests/audit/
_browser.py): it renders without console errors or exceptions, a timeline unfolds when its summary is clicked,
each payment's highlighted path is the statuses its events went through, a finding's link lands on its payment,
hostile log text stays text, and a screenshot is kept at build/test-artifacts/audit-report.png.

Never skipped: the ``chromium`` fixture installs the browser when it is missing, or fails saying why.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from pathlib import Path

import pytest

from payfold.adapters.audit._html import write_report
from payfold.adapters.audit._html_text import anchor, row_anchor
from payfold.adapters.cli import policy_of
from payfold.adapters.stores.sqlite import SqliteStore
from tests.audit._browser import BrowserError, browser
from tests.audit.conftest import HOSTILE, HOSTILE_STREAM, audit_report, stories, write_stories

ARTIFACT = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "audit-report.png"

PATHS_JS = """
Object.fromEntries(Array.from(document.querySelectorAll("section.payment")).map(section => {
  const places = [];
  for (const node of section.querySelectorAll("svg [data-path-index]"))
    for (const index of node.dataset.pathIndex.split(" ")) places.push([Number(index), node.dataset.status]);
  places.sort((a, b) => a[0] - b[0]);
  const steps = [];
  for (const edge of section.querySelectorAll("svg [data-path-step]"))
    for (const step of edge.dataset.pathStep.split(" ")) steps.push([Number(step), edge.dataset.from, edge.dataset.to]);
  steps.sort((a, b) => a[0] - b[0]);
  return [section.dataset.stream, {nodes: places.map(p => p[1]), edges: steps}];
}))
"""


def _box(element_js: str) -> str:
    """JS: whether an element is shown (not inside a closed <details>), the size of its box, and whether the
    browser paints it: the element at the middle of its box (scrolled into view) is it or inside it."""
    return f"""(() => {{ const e = {element_js}; if (!e) return null;
      e.scrollIntoView({{block: "start"}}); const r = e.getBoundingClientRect();
      const hit = document.elementFromPoint(r.x + Math.min(r.width / 2, 40), r.y + Math.min(r.height / 2, 20));
      return {{shown: e.checkVisibility(), width: r.width, height: r.height, painted: !!hit && e.contains(hit)}};
    }})()"""


async def test_the_report_renders_and_works_in_chromium(chromium: str, tmp_path: Path) -> None:
    log = stories()
    store = await SqliteStore.open(tmp_path / "log.db")
    try:
        await write_stories(store, log)
        page = tmp_path / "report.html"
        await write_report(page, store, audit_report(log), policy_of)
    finally:
        await store.close()

    with browser(chromium) as chrome:
        chrome.load(page.as_uri())
        assert chrome.problems() == [], "the page renders without console errors or exceptions"
        assert chrome.evaluate("document.title") == "payfold audit: 4 findings"

        # Hostile log text is text: nothing it carries ran, and the body reads back exactly as sent.
        assert chrome.evaluate("typeof window.__pwned") == "undefined"
        assert chrome.evaluate("document.querySelectorAll('img, b, iframe').length") == 0
        bodies = chrome.evaluate("Array.from(document.querySelectorAll('pre.body'), p => p.textContent)")
        assert HOSTILE in bodies

        # The highlighted path of each payment is the statuses written beside its events (not read from the page).
        paths = chrome.evaluate(PATHS_JS)
        for story in log:
            assert paths[story.stream]["nodes"] == story.path, story.stream
            expected_edges = [[i, a, b] for i, (a, b) in enumerate(itertools.pairwise(story.path), start=1)]
            assert paths[story.stream]["edges"] == expected_edges, story.stream

        # A timeline unfolds when its summary is clicked: open, with a rendered, non-empty body.
        section = f"document.getElementById({json.dumps(anchor('pay-polled'))})"
        timeline = f"{section}.querySelector('details.timeline')"
        assert chrome.evaluate(f"{timeline}.open") is False
        folded = chrome.evaluate(_box(f"{timeline}.querySelector('table')"))
        assert not folded["shown"] and not folded["painted"]
        chrome.click(f"#{anchor('pay-polled')} details.timeline > summary")
        assert chrome.evaluate(f"{timeline}.open") is True
        table = chrome.evaluate(_box(f"{timeline}.querySelector('table')"))
        assert table["shown"] and table["painted"] and table["width"] > 0 and table["height"] > 0
        rows = chrome.evaluate(f"{timeline}.querySelectorAll('tbody tr').length")
        assert rows == len(next(s for s in log if s.stream == "pay-polled").events)
        # ... and a wire inside it unfolds too.
        chrome.click(f"#{anchor('pay-polled')} details.wire > summary")
        wire = chrome.evaluate(_box(f"{timeline}.querySelector('details.wire[open] pre.body')"))
        assert wire["shown"] and wire["painted"] and wire["width"] > 0 and wire["height"] > 0

        # A finding's link leads to its payment's section (here the hostile stream's: its anchor is escaped).
        chrome.click("table.findings tr.finding a.to-payment")
        chrome.wait_until(f"location.hash === {json.dumps('#' + anchor(HOSTILE_STREAM))}")
        landed = chrome.evaluate(
            "(() => { const t = document.getElementById(location.hash.slice(1)); const r = t.getBoundingClientRect();"
            " return {tag: t.tagName, stream: t.dataset.stream, top: r.top, viewport: innerHeight}; })()"
        )
        assert landed["tag"] == "SECTION" and landed["stream"] == HOSTILE_STREAM
        assert 0 <= landed["top"] < landed["viewport"], "the section is scrolled into view"

        # A finding's version link opens the folded timeline around the event it names.
        row = f"document.getElementById({json.dumps(row_anchor('pay-broken', 2))})"
        assert chrome.evaluate(f"{row}.closest('details').open") is False
        chrome.click(f'table.findings tr.finding a[href="#{row_anchor("pay-broken", 2)}"]')
        chrome.wait_until(
            f"document.documentElement.dataset.revealed === {json.dumps('#' + row_anchor('pay-broken', 2))}"
        )
        assert chrome.evaluate(f"{row}.closest('details').open") is True
        shown = chrome.evaluate(_box(row))
        assert shown["shown"] and shown["painted"]

        # The page's own script ran (the policy admits it by hash): its filter hides the payments that do not match.
        assert chrome.evaluate("document.getElementById('controls').hidden") is False
        chrome.click("#filter")
        chrome.send("Input.insertText", {"text": "flutterwave"})
        visible = chrome.evaluate(
            "Array.from(document.querySelectorAll('section.payment:not([hidden])'), s => s.dataset.stream)"
        )
        assert visible == ["pay-polled"]
        chrome.evaluate(
            "(f => { f.value = ''; f.dispatchEvent(new Event('input')); })(document.getElementById('filter'))"
        )
        assert chrome.evaluate("document.querySelectorAll('section.payment[hidden]').length") == 0

        assert chrome.problems() == [], "clicking around raised no errors either"

        chrome.evaluate("window.scrollTo(0, 0)")
        height = chrome.evaluate("document.documentElement.scrollHeight")
        png = chrome.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": 1280, "height": min(height, 6000), "scale": 1},
            },
        )["data"]
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_bytes(base64.b64decode(png))
    data = ARTIFACT.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def _group_alive(pgid: int) -> bool:
    """Whether any live (not zombie) process is in process group ``pgid``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def test_the_browser_is_killed_when_a_test_fails_inside(chromium: str) -> None:
    with pytest.raises(BrowserError, match="boom"), browser(chromium) as chrome:
        pid = chrome.pid
        assert _group_alive(pid)
        chrome.evaluate("(() => { throw new Error('boom') })()")
    deadline = time.monotonic() + 5
    while _group_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _group_alive(pid), "no Chromium process outlives the test"
