"""The audit page without a browser: escaping, self-containment, anchors, paths, the limit, and failures.

The page is read back with the standard library's HTML parser into a small tree (below); the browser test
(test_html_browser.py) checks what only a browser can: rendering, clicks, script errors.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payfold import DEFAULT_POLICY, Event, UnreadableEvent
from payfold.adapters.audit import AuditReport, Finding
from payfold.adapters.audit._html import write_report
from payfold.adapters.audit._html_text import anchor, row_anchor, text
from payfold.adapters.cli import policy_of
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import created
from tests.audit.conftest import HOSTILE, HOSTILE_STREAM, Story, audit_report, stories, write_stories

# --- the page as a tree ---------------------------------------------------------------------------------------------

VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"))


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    content: list[str | Node] = field(default_factory=list)

    @property
    def children(self) -> list[Node]:
        return [item for item in self.content if isinstance(item, Node)]

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def all(self, tag: str | None = None, css: str | None = None, **attrs: str) -> list[Node]:
        """Descendants (and self) with ``tag``, the class ``css`` and attributes equal to ``attrs``."""
        return [
            node
            for node in self.walk()
            if (tag is None or node.tag == tag)
            and (css is None or css in node.attrs.get("class", "").split())
            and all(node.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items())
        ]

    def text(self) -> str:
        return "".join(item if isinstance(item, str) else item.text() for item in self.content)

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs}, parent=self.current)
        self.current.content.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.content.append(Node(tag, {name: value or "" for name, value in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.current.tag == tag, f"</{tag}> closes <{self.current.tag}>: the page is not well nested"
        assert self.current.parent is not None
        self.current = self.current.parent

    def handle_data(self, data: str) -> None:
        self.current.content.append(data)


def tree(html: str) -> Node:
    parser = _Tree()
    parser.feed(html)
    parser.close()
    assert parser.current is parser.root, f"<{parser.current.tag}> is never closed"
    return parser.root


# --- fixtures -------------------------------------------------------------------------------------------------------


async def _page(tmp_path: Path, log: list[Story], report: AuditReport, **options: int) -> str:
    store = MemoryStore()
    await write_stories(store, log)
    target = tmp_path / "report.html"
    await write_report(target, store, report, policy_of, **options)
    assert list(tmp_path.iterdir()) == [target], "only the report is left behind"
    return target.read_text(encoding="utf-8")


@pytest.fixture
async def html(tmp_path: Path) -> str:
    log = stories()
    return await _page(tmp_path, log, audit_report(log))


# --- escaping -------------------------------------------------------------------------------------------------------


def test_hostile_log_text_is_shown_as_text_never_as_markup(html: str) -> None:
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    assert "<b onmouseover" not in html
    assert "<i>2</i>" not in html
    assert escape(HOSTILE) in html
    page = tree(html)
    assert len(page.all("script")) == 1, "one script: the page's own"
    assert not page.all("img")
    assert not page.all("b")
    bodies = [pre.text() for pre in page.all("pre", css="body")]
    assert any(body == HOSTILE for body in bodies), "the hostile body is there, as the provider sent it"
    assert any(body.startswith("\\x00\\x1b[31m") for body in bodies), "control bytes are shown, not emitted"
    assert not any(n.attrs.get(a, "").startswith("window") for n in page.walk() for a in ("onerror", "onmouseover"))


@given(st.text())
def test_text_round_trips_through_an_html_parser_as_data(value: str) -> None:
    page = tree(f"<p title='{text(value)}'>{text(value)}</p>")
    (paragraph,) = page.all("p")
    assert paragraph.children == []
    shown = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", value)
    assert paragraph.text() == shown
    assert paragraph.attrs["title"] == shown


@given(st.text(), st.text())
def test_two_streams_never_share_an_anchor(one: str, other: str) -> None:
    assert re.fullmatch(r"pay-[A-Za-z0-9_-]*", anchor(one))
    assert (anchor(one) == anchor(other)) == (one == other)
    assert row_anchor(one, 1) != anchor(other)
    assert (row_anchor(one, 2) == row_anchor(other, 2)) == (one == other)


# --- self-contained -------------------------------------------------------------------------------------------------

_FETCHING = ("src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset", "background")


def test_the_page_loads_nothing_from_anywhere(html: str) -> None:
    page = tree(html)
    for node in page.walk():
        for name in _FETCHING:
            value = node.attrs.get(name)
            if value is not None:
                assert value.startswith("#"), f"<{node.tag} {name}={value!r}>: only links within the page"
    assert not page.all("link") and not page.all("iframe") and not page.all("object") and not page.all("embed")
    for style in page.all("style"):
        assert "url(" not in style.text() and "@import" not in style.text()
    for script in page.all("script"):
        assert "src" not in script.attrs
        assert not re.search(r"fetch\(|XMLHttpRequest|import\(|WebSocket|https?://", script.text())
    (policy,) = [m for m in page.all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert policy.attrs["content"].startswith("default-src 'none';")
    assert "https://ping.example/r-9" in html, "addresses from the log are shown as text"


# --- anchors and sections ---------------------------------------------------------------------------------------------


def test_every_link_in_the_page_has_its_target(html: str) -> None:
    page = tree(html)
    ids = [node.attrs["id"] for node in page.walk() if "id" in node.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    links = [node.attrs["href"] for node in page.all("a")]
    assert links
    assert {link[1:] for link in links} <= set(ids)


def test_every_finding_links_to_its_payments_section(html: str) -> None:
    page = tree(html)
    rows = page.all("tr", css="finding")
    findings = audit_report(stories()).findings
    assert [row.attrs["data-stream"] for row in rows] == [f.stream for f in findings]
    for row, finding in zip(rows, findings, strict=True):
        if not finding.stream:
            assert not row.all("a"), "a finding about the whole log links nowhere"
            continue
        (link,) = row.all("a", css="to-payment")
        (target,) = page.all(id=link.attrs["href"][1:])
        assert target.tag == "section" and target.attrs["data-stream"] == finding.stream
        if finding.version is not None:
            (row_link,) = [a for a in row.all("a") if a is not link]
            (event_row,) = page.all(id=row_link.attrs["href"][1:])
            assert target in event_row.ancestors()


def test_payments_with_findings_or_under_review_come_first(html: str) -> None:
    sections = [s.attrs["data-stream"] for s in tree(html).all("section", css="payment")]
    assert sections[:4] == [HOSTILE_STREAM, "pay-broken", "pay-deleted", "pay-review"]
    assert sorted(sections[4:]) == sorted({s.stream for s in stories()} - set(sections[:4]))


def test_each_section_highlights_the_statuses_its_payment_went_through(html: str) -> None:
    page = tree(html)
    for story in stories():
        (section,) = page.all("section", data_stream=story.stream)
        places = [
            (int(index), node.attrs["data-status"])
            for node in section.all("g", css="on-path")
            if "data-status" in node.attrs
            for index in node.attrs["data-path-index"].split()
        ]
        assert [status for _, status in sorted(places)] == story.path
        steps = sorted(
            (int(step), node.attrs["data-from"], node.attrs["data-to"])
            for node in section.all("g", css="edge")
            if "data-path-step" in node.attrs
            for step in node.attrs["data-path-step"].split()
        )
        assert steps == [(i, a, b) for i, (a, b) in enumerate(itertools.pairwise(story.path), start=1)]


def test_each_event_is_a_row_with_its_status_step_and_rule(html: str) -> None:
    page = tree(html)
    (section,) = page.all("section", data_stream="pay-settled")
    (timeline,) = section.all("details", css="timeline")
    rows = timeline.all("tbody")[0].children
    assert [row.attrs["id"] for row in rows] == [row_anchor("pay-settled", v) for v in range(1, 7)]
    third = [cell.text() for cell in rows[2].children]
    assert third[2].startswith("outcome_unknown") and "HTTP 500" in third[2]
    assert third[3] == "pending"
    assert third[4].startswith("requery") and "due 2026-01-01T00:01:0" in third[4]
    assert third[5].startswith("ambiguity-wait") and "Tranzzo" in third[5]
    assert "v3" in third[6]
    (wire,) = rows[2].all("details", css="wire")
    assert '"error_id": "e-1"' in wire.all("pre", css="body")[0].text()
    assert "x-request-id" in wire.text()


def test_a_manual_decision_shows_its_operator_and_note(html: str) -> None:
    (section,) = tree(html).all("section", data_stream="pay-manual")
    (decision,) = [p for p in section.all("p", css="decision") if "by hand" in p.text()]
    assert "alice" in decision.text() and "bank statement shows the debit" in decision.text()
    assert "settled" in decision.text()


def test_a_history_that_cannot_be_replayed_is_shown_up_to_where_replay_stops(html: str) -> None:
    (section,) = tree(html).all("section", data_stream="pay-broken")
    assert "replay stops at v2" in section.text()
    rows = section.all("tbody")[0].children
    assert "not replayed" in rows[1].text() and "not replayed" not in rows[0].text()


def test_a_payment_with_findings_but_no_events_still_has_its_section(html: str) -> None:
    (section,) = tree(html).all("section", data_stream="pay-deleted")
    assert "No events in the log" in section.text()
    assert not section.all("svg") and not section.all("details")


def test_the_summary_counts_statuses_and_findings_by_kind(html: str) -> None:
    page = tree(html)
    cards = {card.all(css="label")[0].text(): card.all(css="n")[0].text() for card in page.all("div", css="card")}
    assert cards["payments (streams)"] == "7" and cards["events"] == str(sum(len(s.events) for s in stories()))
    assert cards["settled"] == "2" and cards["failed"] == "2" and cards["polling"] == "0"
    assert cards["checkpoint findings"] == "2" and cards["conduct findings"] == "1" and cards["chain findings"] == "0"
    (reviews,) = page.all("table", css="reviews")
    assert "pay-review" in reviews.text() and "amount_mismatch" in reviews.text()


# --- the limit ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "sections"), [(0, 0), (2, 2), (5, 5), (8, 8), (100, 8)])
async def test_at_most_limit_payments_and_the_page_says_how_many_are_left_out(
    tmp_path: Path, limit: int, sections: int
) -> None:
    log = stories()
    report = audit_report(log)
    page = tree(await _page(tmp_path, log, report, limit=limit))
    shown = page.all("section", css="payment")
    assert len(shown) == sections
    left_out = page.all(id="left-out")
    # 7 stories plus pay-deleted (a finding, no events): 8 payments in all.
    assert bool(left_out) == (limit < 8)
    if left_out:
        assert (
            left_out[0]
            .text()
            .startswith(f"{max(7 - sum(s.attrs['data-stream'] != 'pay-deleted' for s in shown), 1)} more")
        )
    streams = {s.attrs["data-stream"] for s in shown}
    for row in page.all("tr", css="finding"):
        assert bool(row.all("a", css="to-payment")) == (row.attrs["data-stream"] in streams)


# --- failures -----------------------------------------------------------------------------------------------------


class _Failing(MemoryStore):
    def __init__(self, stream: str, error: Exception) -> None:
        super().__init__()
        self.stream, self.error = stream, error

    async def read(self, stream: str) -> list[Event]:
        if stream == self.stream:
            raise self.error
        return await super().read(stream)


async def test_an_unreadable_stream_gets_a_section_saying_so(tmp_path: Path) -> None:
    store = _Failing("pay-2", UnreadableEvent("truncated JSON", schema_version=1))
    for name in ("pay-1", "pay-2"):
        await store.append(name, [created(payment_id=name)], expected_version=0)
    report = AuditReport(streams=2, events=2, findings=[Finding(kind="unreadable", stream="pay-2", version=1)])
    await write_report(tmp_path / "r.html", store, report, lambda _: DEFAULT_POLICY)
    (section,) = tree((tmp_path / "r.html").read_text()).all("section", data_stream="pay-2")
    assert "cannot be read: unreadable event (schema version 1): truncated JSON" in section.text()


async def test_a_failed_run_leaves_no_half_written_report(tmp_path: Path) -> None:
    store = _Failing("pay-2", RuntimeError("the disk went away"))
    for name in ("pay-1", "pay-2"):
        await store.append(name, [created(payment_id=name)], expected_version=0)
    with pytest.raises(RuntimeError, match="the disk went away"):
        await write_report(tmp_path / "r.html", store, AuditReport(streams=2, events=2), lambda _: DEFAULT_POLICY)
    assert list(tmp_path.iterdir()) == []
