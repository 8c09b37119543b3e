"""``payfold audit LOG --html FILE``: the audit as one self-contained HTML page.

The page is evidence that travels: it is mailed, attached to tickets and opened years later, offline. So it holds
everything inline (style sheet, script, SVG diagrams), loads nothing, and works without its script. Everything
taken from the log is escaped; a Content-Security-Policy admits only the page's own style sheet and script.

Memory stays bounded however large the log: payments are read one at a time with ``store.read`` and each section
is written to the file as soon as it is built. At most ``limit`` payments get a section: first those with
findings or under review, then the others in log order; the page says how many were left out. The file is
written beside its destination and moved into place at the end, so a failed run never leaves half a report.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final, TextIO, get_args

from payfold import RULES, EventStore, PayfoldError, Policy, Status
from payfold.adapters.audit._findings import AuditReport, Finding, FindingKind, Review
from payfold.adapters.audit._html_assets import CSP, SCRIPT, STYLE
from payfold.adapters.audit._html_payment import section
from payfold.adapters.audit._html_text import anchor, row_anchor, text, time

_KINDS: Final[tuple[str, ...]] = get_args(FindingKind)


async def write_report(
    path: Path,
    store: EventStore,
    report: AuditReport,
    policy_of: Callable[[str], Policy],
    *,
    limit: int = 2000,
) -> None:
    """Write the audit page for ``report`` (made from ``store``) to ``path``; ``policy_of(provider)`` is the policy
    each payment's steps are explained under. At most ``limit`` payments get a section."""
    if limit < 0:
        raise ValueError(f"limit must be 0 or more, got {limit}")
    findings_of: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        if finding.stream:
            findings_of[finding.stream].append(finding)
    reviews = {review.stream: review for review in report.reviews}
    first = list(dict.fromkeys([*findings_of, *reviews]))
    chosen = first[:limit]
    room = limit - len(chosen)
    others = await _other_streams(store, set(first), room + 1)  # one more than fits: are any left out?
    left_out = len(first) > limit or len(others) > room
    chosen += others[:room]
    shown = set(chosen)

    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            out.write(_head(report))
            out.write(_summary(report))
            out.write(_findings(report.findings, shown))
            out.write(_reviews(report.reviews, shown))
            present = await _sections(out, store, chosen, findings_of, reviews, policy_of)
            if left_out:
                out.write(_left_out(max(report.streams - present, 1), limit))
            out.write(_foot())
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


async def _other_streams(store: EventStore, skip: set[str], want: int) -> list[str]:
    """Up to ``want`` streams not in ``skip``, in the order the log first mentions them; stops reading early."""
    found: dict[str, None] = {}
    records = store.read_all()
    try:
        async for record in records:
            if record.stream not in skip and record.stream not in found:
                found[record.stream] = None
                if len(found) >= want:
                    break
    finally:
        close = getattr(records, "aclose", None)
        if close is not None:
            await close()
    return list(found)


async def _sections(
    out: TextIO,
    store: EventStore,
    streams: Iterable[str],
    findings_of: dict[str, list[Finding]],
    reviews: dict[str, Review],
    policy_of: Callable[[str], Policy],
) -> int:
    """Write one section per stream, reading one payment at a time; the number of streams that had events."""
    out.write(
        '<h2 id="payments">Payments</h2>\n<div id="controls" hidden>'
        '<input type="search" id="filter" placeholder="filter: payment, status, provider, reference"'
        ' aria-label="filter payments">'
        '<label><input type="checkbox" id="only-flagged"> only with findings or under review</label>'
        '<button type="button" id="expand">expand all timelines</button>'
        '<button type="button" id="collapse">collapse all</button>'
        '<span id="shown" class="muted"></span></div>\n'
    )
    present = 0
    for stream in streams:
        unreadable = None
        try:
            events = await store.read(stream)
        except PayfoldError as exc:
            events, unreadable = [], str(exc)
        present += bool(events) or unreadable is not None
        out.write(
            section(
                stream,
                events,
                findings=findings_of.get(stream, ()),
                review=reviews.get(stream),
                policy_of=policy_of,
                unreadable=unreadable,
            )
        )
    return present


def _head(report: AuditReport) -> str:
    verdict = "nothing wrong" if report.ok else f"{len(report.findings)} findings"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>payfold audit: {verdict}</title>\n"
        f"<style>{STYLE}</style>\n"
        "</head>\n<body>\n"
    )


def _foot() -> str:
    """The end of the page; the script comes last, when everything it works on has been parsed."""
    return (
        "</main>\n<footer>Written by payfold audit. This page loads nothing: it is complete as it is.</footer>\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def _summary(report: AuditReport) -> str:
    verdict = (
        '<span class="verdict ok">nothing wrong</span>'
        if report.ok
        else f'<span class="verdict bad">{len(report.findings)} findings</span>'
    )
    chain = "checked with a key (HMAC)" if report.keyed else "checked without a key"
    checkpoint = (
        f"compared against the checkpoint <code>{text(report.checkpoint)}</code>"
        if report.checkpoint
        else "no checkpoint given"
    )
    cards = [_card(report.streams, "payments (streams)"), _card(report.events, "events")]
    ordered = [s.value for s in Status] + sorted(set(report.statuses) - {s.value for s in Status})
    cards += [_card(report.statuses.get(status, 0), text(status)) for status in ordered]
    kinds: Counter[str] = Counter(finding.kind for finding in report.findings)
    finding_cards = [_card(kinds.get(kind, 0), f"{kind} findings", hot=True) for kind in _KINDS]
    return (
        '<header class="page">\n'
        f"<h1>payfold audit {verdict}</h1>\n"
        f'<p class="muted">Hash chain {chain}; {checkpoint}.</p>\n</header>\n<main>\n'
        '<h2 id="summary">Summary</h2>\n'
        f'<div class="cards" id="counts">{"".join(cards)}</div>\n'
        '<h2 id="finding-kinds">Findings by kind</h2>\n'
        f'<div class="cards">{"".join(finding_cards)}</div>\n'
    )


def _card(count: int, label: str, *, hot: bool = False) -> str:
    css = "card zero" if not count else "card hot" if hot else "card"
    return f'<div class="{css}"><div class="n">{count:,}</div><div class="label">{label}</div></div>'


def _payment_link(stream: str, shown: set[str], version: int | None = None) -> str:
    if not stream:
        return '<span class="muted">the whole log</span>'
    if stream not in shown:
        return f'{text(stream)} <span class="muted">(no section: over the limit)</span>'
    link = f'<a class="to-payment" href="#{anchor(stream)}">{text(stream)}</a>'
    if version is not None:
        link += f' <a href="#{row_anchor(stream, version)}">v{version}</a>'
    return link


def _findings(findings: list[Finding], shown: set[str]) -> str:
    if not findings:
        return '<h2 id="findings">Findings</h2>\n<p>No findings.</p>\n'
    rows = []
    for finding in findings:
        rule = ""
        if finding.rule:
            known = RULES.get(finding.rule)
            rule = f'<span class="rule-id">{text(finding.rule)}</span>'
            if known is not None:
                rule += f'<div class="rule-source">{text(known.statement)}</div>'
        rows.append(
            f'<tr class="finding" data-stream="{text(finding.stream)}"><td>{finding.kind}</td>'
            f"<td>{_payment_link(finding.stream, shown, finding.version)}</td>"
            f"<td>{rule}</td><td>{text(finding.detail)}</td></tr>"
        )
    return (
        f'<h2 id="findings">Findings ({len(findings)})</h2>\n<table class="findings"><thead><tr><th>kind</th>'
        "<th>payment</th><th>rule</th><th>detail</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n"
    )


def _reviews(reviews: list[Review], shown: set[str]) -> str:
    if not reviews:
        return '<h2 id="reviews">Payments under review</h2>\n<p>None.</p>\n'
    rows = "\n".join(
        f"<tr><td>{_payment_link(review.stream, shown)}</td><td>{text(review.reason)}</td>"
        f'<td class="mono">{time(review.since)}</td><td><code>{text(review.last_answer)}</code></td></tr>'
        for review in reviews
    )
    return (
        f'<h2 id="reviews">Payments under review ({len(reviews)})</h2>\n<table class="reviews"><thead><tr>'
        "<th>payment</th><th>reason</th><th>since</th><th>last answer</th></tr></thead><tbody>\n"
        f"{rows}\n</tbody></table>\n"
    )


def _left_out(missing: int, limit: int) -> str:
    return (
        f'<p class="left-out" id="left-out">{missing:,} more payments are not shown: the report holds at most'
        f" {limit:,} (those with findings or under review first). Their timelines: <code>payfold explain LOG"
        " PAYMENT</code>.</p>\n"
    )
