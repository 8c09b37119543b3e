"""One payment's section of the audit page: what it is, what the audit found, who decided by hand, the state
diagram with its path, and its timeline (``payfold.timeline``): every event with the status after it, the step
then due and the rule that chose it, and the redacted wire folded open on demand.

A history that cannot be replayed is still shown: the events up to the first one the machine refuses get their
moments, the rest are listed as recorded, and the section says where and why replay stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import msgspec

from payfold import (
    Conclude,
    Done,
    Event,
    FailedManually,
    Moment,
    PayfoldError,
    PaymentCreated,
    Policy,
    Poll,
    ProviderAnswer,
    Requery,
    SendCharge,
    SettledManually,
    Status,
    Step,
    Wire,
    evolve,
    tag_of,
    timeline,
    to_decimal_text,
)
from payfold.adapters.audit._findings import Finding, Review
from payfold.adapters.audit._html_diagram import diagram
from payfold.adapters.audit._html_text import anchor, row_anchor, span, text, time

BODY_SHOWN: Final = 64 * 1024
"""Bytes of one wire body shown; the log keeps them all, and the page says how many more there are."""

_NOT_SHOWN_FIELDS: Final = frozenset(("at", "wire"))


def replay(events: Sequence[Event], policy: Policy) -> tuple[list[Moment], str | None]:
    """The timeline of ``events``, or of the longest prefix the machine accepts and why it stopped there."""
    try:
        return timeline(events, policy), None
    except PayfoldError as refused:
        state = None
        for index, event in enumerate(events):
            try:
                state = evolve(state, event)
            except PayfoldError:
                return timeline(events[:index], policy), f"replay stops at v{index + 1}: {refused}"
        raise  # fold accepts every event, so the refusal came from elsewhere: a bug, not a finding


def path_of(moments: Sequence[Moment]) -> list[Status]:
    """The statuses a payment went through, in order (a status kept by several events counts once)."""
    path: list[Status] = []
    for moment in moments:
        if not path or path[-1] is not moment.status:
            path.append(moment.status)
    return path


def section(
    stream: str,
    events: Sequence[Event],
    *,
    findings: Sequence[Finding],
    review: Review | None,
    policy_of: Callable[[str], Policy],
    unreadable: str | None = None,
) -> str:
    """The HTML of one payment's section (``events`` read from ``stream``; ``unreadable`` when reading failed)."""
    created = events[0] if events and isinstance(events[0], PaymentCreated) else None
    moments, stopped = replay(events, policy_of(created.provider if created else ""))
    status = moments[-1].status.value if moments else "unknown"
    name = anchor(stream)
    search = " ".join(
        [stream, status] + ([created.provider, created.reference, created.payment_id] if created else [])
    ).lower()
    parts = [
        f'<section class="payment" id="{name}" data-stream="{text(stream)}" data-status="{status}"'
        f' data-flagged="{"yes" if findings or review else "no"}" data-search="{text(search)}">',
        _heading(stream, status, findings, review),
        _facts(created, len(events)),
    ]
    if unreadable:
        parts.append(f'<p class="flags">This stream cannot be read: {text(unreadable)}</p>')
    elif not events:
        parts.append('<p class="flags">No events in the log for this payment (deleted, or never written).</p>')
    if stopped:
        parts.append(f'<p class="flags">{text(stopped)}</p>')
    parts.append(_findings(stream, findings))
    parts.append(_review(review))
    parts.extend(_decision(event) for event in events if isinstance(event, SettledManually | FailedManually))
    if moments:
        path = path_of(moments)
        parts.append(
            f'<figure class="diagram">{diagram(path, label=f"statuses of {stream}")}'
            f"<figcaption>Path: {' → '.join(s.value for s in path)}</figcaption></figure>"
        )
    if events:
        parts.append(
            f'<details class="timeline"><summary>Timeline: {len(events)} events</summary>'
            '<table class="moments"><thead><tr><th>v</th><th>time</th><th>event</th><th>status after</th>'
            "<th>step then due</th><th>rule</th><th>relied on</th></tr></thead><tbody>"
        )
        for index, event in enumerate(events):
            moment = moments[index] if index < len(moments) else None
            parts.append(
                _row(stream, index + 1, event, moment, flagged_by=[f for f in findings if f.version == index + 1])
            )
        parts.append("</tbody></table></details>")
    parts.append("</section>\n")
    return "".join(parts)


def _heading(stream: str, status: str, findings: Sequence[Finding], review: Review | None) -> str:
    badges = [f'<span class="badge {status}">{status}</span>']
    if review:
        badges.append('<span class="badge review">under review</span>')
    if findings:
        badges.append(f'<span class="badge findings">{len(findings)} finding{"s" * (len(findings) != 1)}</span>')
    return f'<h3><a href="#{anchor(stream)}">{text(stream)}</a> {" ".join(badges)}</h3>'


def _facts(created: PaymentCreated | None, count: int) -> str:
    if created is None:
        return f'<p class="facts">{count} events; no <code>created</code> event first</p>'
    facts = [
        f"provider {text(created.provider)}",
        f"{_money(created.amount, created.currency)}",
        f"reference {text(created.reference)}",
    ]
    if created.payment_id:
        facts.append(f"payment id {text(created.payment_id)}")
    facts.append(f"{count} events")
    return f'<p class="facts">{" · ".join(facts)}</p>'


def _money(amount: int, currency: str) -> str:
    try:
        return f"{to_decimal_text(amount, currency)} {text(currency)}"
    except PayfoldError:
        return f"{amount} (minor units) {text(currency)}"


def _findings(stream: str, findings: Sequence[Finding]) -> str:
    if not findings:
        return ""
    items = []
    for finding in findings:
        where = (
            f'<a href="#{row_anchor(stream, finding.version)}">v{finding.version}</a> '
            if finding.version is not None
            else ""
        )
        rule = f" [{text(finding.rule)}]" if finding.rule else ""
        items.append(f"<li>{where}<strong>{finding.kind}</strong>{rule}: {text(finding.detail)}</li>")
    return f'<ul class="flags">{"".join(items)}</ul>'


def _review(review: Review | None) -> str:
    if review is None:
        return ""
    answer = f"; last answer: <code>{text(review.last_answer)}</code>" if review.last_answer else ""
    return f'<p class="decision">Under review since {time(review.since)}: {text(review.reason)}{answer}</p>'


def _decision(event: SettledManually | FailedManually) -> str:
    verdict = "settled" if isinstance(event, SettledManually) else "failed"
    note = f": “{text(event.note)}”" if event.note else " (no note)"
    return (
        f'<p class="decision">Decided by hand at {time(event.at)}: <strong>{verdict}</strong> by operator'
        f" <strong>{text(event.operator)}</strong>{note}</p>"
    )


def _row(stream: str, version: int, event: Event, moment: Moment | None, *, flagged_by: Sequence[Finding]) -> str:
    cells = [
        f'<a href="#{row_anchor(stream, version)}">{version}</a>',
        f'<span class="mono">{time(event.at)}</span>',
        _event(event) + "".join(f'<div class="flags">{f.kind}: {text(f.detail)}</div>' for f in flagged_by),
    ]
    if moment is None:
        cells.append('<span class="muted">not replayed</span>')
        cells.extend(("", "", ""))
    else:
        cells.append(f'<span class="badge {moment.status.value}">{moment.status.value}</span>')
        cells.append(_step(moment.step, event.at))
        rule = moment.rule
        cells.append(
            f'<span class="rule-id">{text(rule.id)}</span> {text(rule.statement)}'
            f'<div class="rule-source">{text(rule.source)}</div>'
        )
        cells.append(
            " ".join(f'<a href="#{row_anchor(stream, v)}">v{v}</a>' for v in moment.relied_on)
            or '<span class="muted">—</span>'
        )
    css = ' class="flagged"' if flagged_by else ""
    return f'<tr id="{row_anchor(stream, version)}"{css}>' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _event(event: Event) -> str:
    shown = []
    for field in event.__struct_fields__:
        if field in _NOT_SHOWN_FIELDS:
            continue
        value = getattr(event, field)
        if value is None or value == "" or value == () or value == {}:
            continue
        currency = getattr(event, "currency", None)
        if field == "amount" and isinstance(value, int) and isinstance(currency, str):
            shown.append(f"<span>amount {_money(value, currency)}</span>")
            continue
        shown.append(f"<span>{field} {text(_value(value))}</span>")
    fields = f'<div class="fields">{"".join(shown)}</div>' if shown else ""
    wire = _wire(event.wire) if isinstance(event, ProviderAnswer) else ""
    return f"<strong>{tag_of(event)}</strong>{fields}{wire}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return time(value)
    if isinstance(value, timedelta):
        return span(value)
    if isinstance(value, str | int | float):
        return str(value)
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError):
        return repr(value)


def _wire(wire: Wire) -> str:
    answer = f"HTTP {wire.status}" if wire.status is not None else f"no answer ({wire.error or 'none'})"
    request = " ".join(part for part in (wire.method, wire.url) if part)
    summary = f"wire: {wire.operation}{' ' + request if request else ''} → {answer}, {len(wire.body)} bytes"
    facts = [f"sent {time(wire.sent_at)}", f"received {time(wire.received_at)}"]
    if wire.error:
        facts.append(f"transport error {text(wire.error)}")
    headers = "".join(f"<tr><td>{text(k)}</td><td>{text(v)}</td></tr>" for k, v in wire.headers)
    body = wire.body[:BODY_SHOWN].decode("utf-8", errors="replace")
    more = len(wire.body) - BODY_SHOWN
    cut = f'<div class="muted">… {more} more bytes in the log</div>' if more > 0 else ""
    return (
        f'<details class="wire"><summary>{text(summary)}</summary>'
        f'<div class="fields">{"".join(f"<span>{f}</span>" for f in facts)}</div>'
        + (f'<table class="headers"><tbody>{headers}</tbody></table>' if headers else "")
        + (f'<pre class="body">{text(body)}</pre>{cut}' if wire.body else '<div class="muted">empty body</div>')
        + "</details>"
    )


def _step(step: Step, at: datetime) -> str:
    if isinstance(step, Done):
        return "done: nothing until something new arrives"
    match step:
        case SendCharge():
            what = "send the charge"
        case Requery():
            what = "requery"
        case Poll(url=url):
            what = f"poll {text(url)}"
        case Conclude(event=concluded):
            what = f"conclude <strong>{tag_of(concluded)}</strong>"
            reason = getattr(concluded, "reason", "")
            if reason:
                what += f" ({text(reason)})"
    basis = ", ".join(f"{text(name)} {time(moment)}" for name, moment in step.basis)
    since = f'<div class="muted">from {basis}</div>' if basis else ""
    return f'{what}<div>due <span class="mono">{time(step.due)}</span> ({span(step.due - at)} after)</div>{since}'
