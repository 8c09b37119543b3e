"""Payments under review: why, since when, and what the provider last said."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import msgspec

from payfold import Event, ProviderAnswer, ReviewRequired, WebhookReceived, fold, tag_of
from payfold._store import EventStore


class UnderReview(msgspec.Struct, frozen=True, kw_only=True):
    """One payment waiting for an operator."""

    payment_id: str
    provider: str
    amount: int
    currency: str
    reference: str
    reason: str
    """The review's reason (``deadline``, ``amount_mismatch``...)."""
    detail: str
    since: datetime
    """When the review was raised."""
    last_answer: str
    """The provider's latest answer: its tag, HTTP status and operation (empty when it never answered)."""
    last_answer_at: datetime | None = None


def under_review(events: Sequence[Event]) -> UnderReview | None:
    """The review entry of one payment's history, or None when it is not waiting for an operator (no review
    raised, or a verdict recorded since)."""
    state = fold(events)
    if not state.needs_review or state.is_final:
        return None
    review_event = next(e for e in reversed(events) if isinstance(e, ReviewRequired))
    answer = next((e for e in reversed(events) if isinstance(e, ProviderAnswer)), None)
    last, last_at = "", None
    if answer is not None:
        wire = answer.wire
        status = "no answer" if wire.status is None else f"HTTP {wire.status}"
        source = "webhook" if isinstance(answer, WebhookReceived) else wire.operation
        last, last_at = f"{tag_of(answer)} ({source}, {status})", answer.at
    return UnderReview(
        payment_id=state.payment_id, provider=state.provider, amount=state.amount, currency=state.currency,
        reference=state.reference, reason=review_event.reason, detail=review_event.detail,
        since=review_event.at, last_answer=last, last_answer_at=last_at,
    )  # fmt: skip


async def review(store: EventStore, *, batch: int = 2000) -> AsyncIterator[UnderReview]:
    """Every payment of ``store`` under review, oldest review first within each read. One pass over the log
    finds the streams that ever raised a review (by the tag column, nothing decoded); each is then read whole."""
    flagged: list[str] = []
    seen: set[str] = set()
    async for record in store.read_all(batch=batch):
        if record.tag == "review_required" and record.stream not in seen:
            seen.add(record.stream)
            flagged.append(record.stream)
    entries = []
    for stream in flagged:
        entry = under_review(await store.read(stream))
        if entry is not None:
            entries.append(entry)
    for entry in sorted(entries, key=lambda e: (e.since, e.payment_id)):
        yield entry
