"""The story driver shared by every provider: a Hypothesis ``RuleBasedStateMachine`` over several payments.

Each Hypothesis example opens ``PAYMENTS`` payments of one provider, sends each its first charge, then plays
``STEPS`` rules. Every rule acts on all the example's payments at once, one byte (one cheap draw) per payment, the
way a runner's tick touches every due payment; payments never share state, so each is one independent story:

- ``advance``: each payment follows ``next_step`` through one or two requests. ``Conclude`` steps append their
  event; a request is built with the adapter's own ``request`` and answered by translating a ``Wire`` from that
  adapter's pool (the byte picks the sample; from ``_FRESH`` up it repeats the last answer to that operation, so
  runs of not-found, pending or failed answers happen).
- ``lose_answers``: a crash between send and record: the next request is recorded as sent, its answer never is.
- ``deliver_webhooks`` / ``redeliver_webhooks``: a callback through the adapter's ``webhook`` at any moment (even
  before the first charge, between requeries, after the verdict), and the same callback again later.
- ``submit_otps`` (``OtpStoryMachine``): the customer types the OTP the provider asked for (``Validate``).
- ``wait``: each payment's virtual clock moves on by 0 s to 3 days (requests go out late, callbacks come later).

After every step each touched payment, and at teardown every payment, must pass ``tally`` below: a small reference
model, written from DESIGN section 4's rules, that reads the raw events only (never ``Payment``'s derived fields).
At teardown each history also goes through ``payfold.testing.check_history`` (which judges every prefix, so it
covers every intermediate state; ``PAYFOLD_STORIES_CHECK_EVERY_STEP=1`` runs it after every step as well). A
failure prints the story, one event a line with the pool sample that answered, after Hypothesis has shrunk it.

A payment that was sent at least one request is one *driven story*; ``run_stories`` runs examples until
``STORIES`` (``PAYFOLD_STORIES``, default 12,000) driven stories of the provider have passed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Final, TypeAlias

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from payfold import (
    Action,
    Conclude,
    Event,
    InvalidPayment,
    Operation,
    Payment,
    PaymentCreated,
    Policy,
    Poll,
    ProviderAnswer,
    Requery,
    RequeryConfirmed,
    RequestSent,
    SendCharge,
    Status,
    Step,
    Validate,
    WebhookReceived,
    Wire,
    evolve,
    fold,
    next_step,
    tag_of,
    to_decimal_text,
)
from payfold.adapters import HttpRequest
from payfold.testing import InvariantViolation, check_history

STORIES: Final = int(os.environ.get("PAYFOLD_STORIES", "12000"))
"""Driven stories per provider (``make test``: 12,000). Set ``PAYFOLD_STORIES=200000`` for a long run."""
PAYMENTS: Final = 20
"""Payments per Hypothesis example: several stories share one example's overhead."""
STEPS: Final = 20
"""Rules per Hypothesis example (over all its payments)."""
CHECK_EVERY_STEP: Final = os.environ.get("PAYFOLD_STORIES_CHECK_EVERY_STEP", "") == "1"
"""``check_history`` after every step too (it re-checks every prefix, so teardown alone already covers each
intermediate state; the independent tally runs after every step either way)."""

T0: Final = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
OTP: Final = "123456"

Headers: TypeAlias = tuple[tuple[str, str], ...]
JSON: Final[Headers] = (("content-type", "application/json"),)
HTML: Final[Headers] = (("content-type", "text/html"),)


# --- what a pool holds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the provider knows about the payment it answers for."""

    reference: str
    amount: int
    currency: str
    provider_ref: str

    @property
    def amount_text(self) -> str:
        """The amount as the provider's decimal text (``"4500.00"``)."""
        return to_decimal_text(self.amount, self.currency)


@dataclass(frozen=True)
class Answer:
    """What came back: an HTTP answer, or a transport ``error`` with no status. ``latency`` None: the client's
    own timeout (``policy.timeout``) ran out."""

    status: int | None
    body: bytes = b""
    headers: Headers = JSON
    error: str | None = None
    latency: timedelta | None = timedelta(milliseconds=400)


@dataclass(frozen=True)
class Sample:
    """One pool entry: a named wire answer, built for the payment it answers."""

    name: str
    build: Callable[[Facts], Answer]

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class WebhookSample:
    """One callback: headers and body, built for the payment and signed (or not) with the secret."""

    name: str
    build: Callable[[Facts, str], tuple[Headers, bytes]]

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Kit:
    """One provider, as the stories use it: its adapter's members bound to credentials, and its pools."""

    name: str
    policy: Policy
    translate: Callable[[Wire], Event]
    request: Callable[[Action, Payment], HttpRequest]
    webhook: Callable[[Headers, bytes, str, datetime], WebhookReceived]
    webhook_secret: str
    charge: tuple[Sample, ...]
    requery: tuple[Sample, ...]
    webhooks: tuple[WebhookSample, ...]
    currencies: tuple[str, ...]
    poll: tuple[Sample, ...] = ()
    validate: tuple[Sample, ...] = ()
    details: tuple[Mapping[str, str], ...] = ({},)
    """Non-secret charge parameters (``PaymentCreated.details``); each payment takes one."""

    def pool(self, operation: Operation) -> tuple[Sample, ...]:
        """The answers to a request of ``operation``."""
        pools = {"charge": self.charge, "requery": self.requery, "poll": self.poll, "validate": self.validate}
        found = pools.get(operation, ())
        if not found:
            raise AssertionError(f"{self.name}: next_step asked for a {operation} request, and the pool has none")
        return found


def weighted(*entries: tuple[int, Sample]) -> tuple[Sample, ...]:
    """A pool where each sample appears ``weight`` times (drawn uniformly by index)."""
    return tuple(sample for weight, sample in entries for _ in range(weight))


# --- the independent tally ------------------------------------------------------------------------------------

INFORMATIVE: Final = frozenset(("requery_not_found", "requery_pending", "requery_confirmed", "requery_declined"))
"""Requery answers that say something about the payment; any other requery answer (a failed requery) neither
counts towards the not-found rule nor resets it."""


@dataclass
class Tally:
    """Counts of broken promises in one history; every field must stay 0."""

    resends_outside_rule: int = 0
    verdicts_from_ambiguity: int = 0
    settlements_unconfirmed: int = 0
    where: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.resends_outside_rule or self.verdicts_from_ambiguity or self.settlements_unconfirmed)


@dataclass
class _Charge:
    sent_at: datetime
    answer: str | None = None
    requery_answers: list[tuple[str, datetime]] = field(default_factory=list)


def tally(events: Sequence[Event], policy: Policy) -> Tally:
    """Count, from the raw events alone (no ``Payment`` field, no decider helper):

    (a) charge ``request_sent`` events beyond ``policy.max_charge_attempts``, or beyond the first when the
        previous charge's latest answer was not ``not_processed`` (or was, but a requery since found a
        transaction: pending, confirmed or declined), unless, counting only requery answers recorded after that
        charge's ``request_sent``, the last ``policy.not_found_answers`` informative ones (not-found, pending,
        confirmed, declined: a failed requery neither counts nor resets) are all ``requery_not_found`` and the
        latest of them is at least ``policy.not_found_grace`` after that send;
    (b) ``failed`` verdicts (a ``failed`` event, or a ``charge_rejected`` after which the payment's pinned status
        is failed) not preceded by a ``requery_declined``, by a ``charge_rejected`` of a charge all of whose
        earlier charges were answered ``not_processed``, or by every charge answered ``not_processed``;
    (c) ``settled`` events not preceded by a ``requery_confirmed`` of exactly the payment's amount, currency and
        reference.
    """
    result = Tally()
    created = events[0]
    assert isinstance(created, PaymentCreated), "a history starts with created"
    charges: list[_Charge] = []
    declined = rejected_ok = confirmed_exact = False
    for index, event in enumerate(events):
        tag = tag_of(event)
        if isinstance(event, RequestSent):
            if event.operation != "charge":
                continue
            if charges and not _resend_allowed(charges[-1], policy):
                result.resends_outside_rule += 1
                result.where.append(f"event {index}: charge {len(charges) + 1} resent outside the rule")
            elif len(charges) >= policy.max_charge_attempts:
                result.resends_outside_rule += 1
                result.where.append(f"event {index}: charge {len(charges) + 1} beyond max_charge_attempts")
            charges.append(_Charge(sent_at=event.at))
        elif isinstance(event, ProviderAnswer):
            operation = event.wire.operation
            if operation == "charge" and charges:
                charges[-1].answer = tag
                if tag == "charge_rejected":
                    earlier_not_processed = all(c.answer == "not_processed" for c in charges[:-1])
                    rejected_ok = rejected_ok or earlier_not_processed
                    if not earlier_not_processed and fold(events[: index + 1]).status is Status.FAILED:
                        result.verdicts_from_ambiguity += 1
                        result.where.append(
                            f"event {index}: charge_rejected failed the payment, an earlier charge "
                            "was never shown unprocessed"
                        )
            elif operation == "requery" and charges:
                charges[-1].requery_answers.append((tag, event.at))
            if tag == "requery_declined":
                declined = True
            elif isinstance(event, RequeryConfirmed) and (event.amount, event.currency, event.reference) == (
                created.amount,
                created.currency,
                created.reference,
            ):
                confirmed_exact = True
        elif tag == "failed":
            all_not_processed = bool(charges) and all(c.answer == "not_processed" for c in charges)
            if not (declined or rejected_ok or all_not_processed):
                result.verdicts_from_ambiguity += 1
                result.where.append(f"event {index}: failed without a decline or a refusal of an unprocessed charge")
        elif tag == "settled" and not confirmed_exact:
            result.settlements_unconfirmed += 1
            result.where.append(f"event {index}: settled without an exact confirming requery")
    return result


def _resend_allowed(previous: _Charge, policy: Policy) -> bool:
    informative = [answer for answer in previous.requery_answers if answer[0] in INFORMATIVE]
    if previous.answer == "not_processed":
        # Nothing was processed, unless a requery since says a transaction exists.
        return all(tag == "requery_not_found" for tag, _ in informative)
    last = informative[-policy.not_found_answers :]
    return (
        len(last) == policy.not_found_answers
        and all(tag == "requery_not_found" for tag, _ in last)
        and last[-1][1] >= previous.sent_at + policy.not_found_grace
    )


# --- one payment's story --------------------------------------------------------------------------------------


@dataclass
class Story:
    """One payment: its raw events, its folded state (for ``next_step`` only), its clock and what it was told."""

    events: list[Event]
    state: Payment
    facts: Facts
    now: datetime
    notes: list[str]
    requests: int = 0
    last_sample: dict[Operation, Sample] = field(default_factory=dict)
    last_webhook: tuple[Headers, bytes, str] | None = None

    def record(self, event: Event, note: str = "") -> None:
        self.state = evolve(self.state, event)
        self.events.append(event)
        self.notes.append(note)
        if event.at > self.now:
            self.now = event.at

    def check(self, policy: Policy, *, full: bool) -> None:
        """The tally must be all zeros; ``full`` also runs ``check_history``."""
        broken = tally(self.events, policy)
        if broken:
            raise AssertionError(f"{broken!r}\n{self.describe()}")
        if full:
            try:
                check_history(self.events, policy)
            except InvariantViolation as violation:
                violation.add_note(self.describe())
                raise

    def describe(self) -> str:
        """The story, one event a line: time since creation, tag, operation, and the pool sample that answered."""
        start = self.events[0].at
        lines = [f"story of {self.facts}:"]
        for index, (event, note) in enumerate(zip(self.events, self.notes, strict=True)):
            operation = event.operation if isinstance(event, RequestSent) else ""
            if isinstance(event, ProviderAnswer):
                operation = event.wire.operation
            extra = f" [{note}]" if note else ""
            lines.append(f"  {index:3} +{event.at - start} {tag_of(event)} {operation}{extra}")
        return "\n".join(lines)


# --- the machine -----------------------------------------------------------------------------------------------

_WAITS: Final = tuple(
    timedelta(seconds=s) for s in (0, 0, 0, 1, 20, 61, 5 * 60, 11 * 60, 40 * 60, 3 * 3600, 26 * 3600, 3 * 86400 + 3600)
)
"""How far one ``wait`` moves a payment's clock (index: the payment's byte modulo the length; 0 often)."""
_WEBHOOK_DELAYS: Final = tuple(timedelta(seconds=s) for s in (0, 1, 15, 90, 20 * 60, 5 * 3600))
_REFERENCES: Final = ("order-{n}", "ORD-{n}-2026", "inv/{n} a", "{n}")
_FRESH: Final = 168
"""An answer byte below this picks a pool sample by index (modulo the pool's size); from it up: the same answer as
last time to that operation, so runs of not-found, pending or failing answers happen."""
_DRIVEN: Final[dict[str, int]] = {}
"""Driven stories per provider name, counted at teardown of each example that passed its checks."""


def _per_payment(size: int = 1) -> st.SearchStrategy[bytes]:
    """``size`` bytes per payment: one cheap draw for the whole rule, shrinking towards zero bytes (the first pool
    sample, no wait, no webhook, nothing lost)."""
    return st.binary(min_size=PAYMENTS * size, max_size=PAYMENTS * size)


class StoryMachine(RuleBasedStateMachine):
    """Subclass with ``kit = <your provider's Kit>``. Every rule acts on all the example's payments at once (a byte
    each), so Hypothesis's per-step cost is shared by ``PAYMENTS`` stories."""

    kit: ClassVar[Kit]

    def __init__(self) -> None:
        super().__init__()
        self.stories: list[Story] = []
        self.dirty: set[int] = set()

    # --- payments ---

    @initialize(seeds=_per_payment(5))
    def open_payments(self, seeds: bytes) -> None:
        """``PAYMENTS`` payments, five bytes each: three of amount (minor units, at least 1), one for currency,
        reference and details, one for the first charge's answer (from 240 up, a webhook comes first)."""
        kit = self.kit
        for index in range(PAYMENTS):
            chunk = seeds[5 * index : 5 * index + 5]
            amount, choice, first = int.from_bytes(chunk[:3], "big") + 1, chunk[3], chunk[4]
            currency = kit.currencies[choice % len(kit.currencies)]
            reference = _REFERENCES[(choice // 8) % len(_REFERENCES)].format(n=index + 1)
            at = T0 + timedelta(minutes=index)
            created = PaymentCreated(
                at=at,
                payment_id=f"{kit.name}-{index + 1}",
                provider=kit.name,
                amount=amount,
                currency=currency,
                reference=reference,
                details=dict(kit.details[(choice // 32) % len(kit.details)]),
            )
            facts = Facts(
                reference=reference, amount=amount, currency=currency, provider_ref=f"PSP-{index + 1}-{choice}"
            )
            story = Story(events=[created], state=evolve(None, created), facts=facts, now=at, notes=["caller"])
            self.stories.append(story)
            if first >= 240:  # a callback before the charge is even sent
                self._deliver(story, kit.webhooks[first % len(kit.webhooks)], timedelta(0))
            self._advance(story, first)
            self.dirty.add(index)

    # --- the runner ---

    @rule(answers=_per_payment(2))
    def advance(self, answers: bytes) -> None:
        """Each payment follows next_step through up to two requests (byte i, then byte i + PAYMENTS), appending
        the events of ``Conclude`` steps on the way; each request is answered from the pool."""
        for index, story in enumerate(self.stories):
            self._advance(story, answers[index])
            if answers[index + PAYMENTS] >= 64:
                self._advance(story, answers[index + PAYMENTS])
            self.dirty.add(index)

    @rule(mask=_per_payment())
    def lose_answers(self, mask: bytes) -> None:
        """A crash between send and record (byte >= 160): the next request goes out, its answer is never recorded."""
        for index, story in enumerate(self.stories):
            if mask[index] >= 160:
                step = self._follow(story)
                if isinstance(step, SendCharge | Poll | Requery):
                    self._exchange(story, step, step.due, None)
                    self.dirty.add(index)

    @rule(spans=_per_payment())
    def wait(self, spans: bytes) -> None:
        """Each payment's clock moves on (0 to 3 days): whatever is due next goes out late."""
        for story, span in zip(self.stories, spans, strict=True):
            story.now += _WAITS[span % len(_WAITS)]

    # --- the outside world ---

    @rule(which=_per_payment(), delay=st.sampled_from(_WEBHOOK_DELAYS))
    def deliver_webhooks(self, which: bytes, delay: timedelta) -> None:
        """A callback (byte >= 224 picks it) arrives at any moment of a story: before the charge, between
        requeries, after the verdict."""
        webhooks = self.kit.webhooks
        for index, story in enumerate(self.stories):
            if which[index] >= 224:
                self._deliver(story, webhooks[which[index] % len(webhooks)], delay)
                self.dirty.add(index)

    @rule(mask=_per_payment(), delay=st.sampled_from(_WEBHOOK_DELAYS))
    def redeliver_webhooks(self, mask: bytes, delay: timedelta) -> None:
        """The provider sends the same callback again (byte >= 160): "webhooks may be duplicated"."""
        for index, story in enumerate(self.stories):
            if mask[index] >= 160 and story.last_webhook is not None:
                headers, body, name = story.last_webhook
                self._webhook(story, headers, body, delay, f"{name}, again")
                self.dirty.add(index)

    # --- checks ---

    @invariant()
    def promises_kept(self) -> None:
        for index in sorted(self.dirty):
            self.stories[index].check(self.kit.policy, full=CHECK_EVERY_STEP)
        self.dirty.clear()

    def teardown(self) -> None:
        driven = 0
        for story in self.stories:
            story.check(self.kit.policy, full=True)
            driven += story.requests > 0
        _DRIVEN[self.kit.name] = _DRIVEN.get(self.kit.name, 0) + driven

    # --- helpers ---

    def _follow(self, story: Story) -> Step:
        """next_step, after appending the events of any ``Conclude`` steps: a request step, or ``Done``."""
        while True:
            step = next_step(story.state, self.kit.policy)
            if not isinstance(step, Conclude):
                return step
            assert step.event.at == step.due, f"Conclude's event is not at its due: {step!r}"
            story.record(step.event, "next_step")

    def _advance(self, story: Story, choice: int) -> None:
        step = self._follow(story)
        if isinstance(step, SendCharge | Poll | Requery):
            self._exchange(story, step, step.due, choice)

    def _exchange(self, story: Story, action: Action, due: datetime, choice: int | None) -> None:
        """Record ``RequestSent`` for ``action``; unless ``choice`` is None (the answer is lost), answer it with
        the pool sample ``choice`` picks, translate that wire with the adapter and record the event."""
        kit = self.kit
        operation: Operation = (
            "charge"
            if isinstance(action, SendCharge)
            else "poll"
            if isinstance(action, Poll)
            else "requery"
            if isinstance(action, Requery)
            else "validate"
        )
        try:
            request = kit.request(action, story.state)
        except InvalidPayment:
            if isinstance(action, Validate):
                return  # the app cannot validate without the charge's reference: nothing is sent
            raise
        assert request.operation == operation, f"{kit.name}.request built a {request.operation} for {action!r}"
        sent_at = max(story.now, due)
        story.requests += 1
        story.record(
            RequestSent(at=sent_at, operation=operation, attempt=story.state.next_attempt(operation), url=request.url),
            "answer lost" if choice is None else "",
        )
        if choice is None:
            return
        sample = self._pick(story, operation, choice)
        answer = sample.build(story.facts)
        latency = kit.policy.timeout if answer.latency is None else answer.latency
        wire = Wire(
            operation=operation,
            sent_at=sent_at,
            received_at=sent_at + latency,
            status=answer.status,
            headers=answer.headers,
            body=answer.body,
            error=answer.error,
            url=request.url,
            method=request.method,
        )
        event = kit.translate(wire)
        assert event.at == wire.received_at, f"{kit.name}.translate: event at {event.at}, wire at {wire.received_at}"
        story.record(event, sample.name)

    def _pick(self, story: Story, operation: Operation, choice: int) -> Sample:
        pool = self.kit.pool(operation)
        last = story.last_sample.get(operation)
        sample = last if choice >= _FRESH and last is not None else pool[choice % len(pool)]
        story.last_sample[operation] = sample
        return sample

    def _deliver(self, story: Story, sample: WebhookSample, delay: timedelta) -> None:
        headers, body = sample.build(story.facts, self.kit.webhook_secret)
        story.last_webhook = (headers, body, sample.name)
        self._webhook(story, headers, body, delay, sample.name)

    def _webhook(self, story: Story, headers: Headers, body: bytes, delay: timedelta, note: str) -> None:
        at = story.now + delay
        event = self.kit.webhook(headers, body, self.kit.webhook_secret, at)
        assert event.at == at
        story.record(event, note)


class OtpStoryMachine(StoryMachine):
    """For providers with a ``validate`` call: the customer types the OTP the provider asked for."""

    @rule(which=_per_payment())
    def submit_otps(self, which: bytes) -> None:
        """Each payment awaiting an OTP whose byte is not 0 sends the app's ``validate`` request (byte >= 224:
        its answer is lost)."""
        for index, story in enumerate(self.stories):
            if which[index] and story.state.awaiting_customer == "otp":
                choice = None if which[index] >= 224 else which[index]
                self._exchange(story, Validate(otp=OTP), story.now, choice)
                self.dirty.add(index)

    def _advance(self, story: Story, choice: int) -> None:
        """A customer asked for an OTP usually types it before the runner's next requery (an even byte)."""
        if story.state.awaiting_customer == "otp" and choice % 2 == 0:
            self._exchange(story, Validate(otp=OTP), story.now, choice)
        else:
            super()._advance(story, choice)


# --- running -------------------------------------------------------------------------------------------------


def driven(name: str) -> int:
    """Driven stories counted so far for provider ``name``."""
    return _DRIVEN.get(name, 0)


def run_stories(machine: type[StoryMachine], stories: int = STORIES) -> int:
    """Run ``machine`` until at least ``stories`` driven stories have passed; return how many ran."""
    name = machine.kit.name
    _DRIVEN[name] = 0
    for _ in range(8):
        missing = stories - _DRIVEN[name]
        if missing <= 0:
            break
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=max(10, math.ceil(missing / PAYMENTS)),
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                print_blob=True,
            ),
        )
    count = _DRIVEN[name]
    assert count >= stories, f"{name}: only {count} driven stories ran, {stories} wanted"
    return count
