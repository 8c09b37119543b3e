"""The rules ``next_step`` decides by, as data: a stable id, one line saying what the rule does, and where it
comes from. Every step names its rule (``step.rule``); ``docs/rules.md`` is generated from this table
(``payfold diagram --rules``) and a test fails when the page and the table differ.

The numbers a rule mentions by name (``ambiguity_delay``, ``requery_backoff``...) are ``Policy`` fields: each
provider adapter's ``POLICY`` sets them from its documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import msgspec

from ._policy import Policy


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    """One rule of the policy brain."""

    id: str
    """Stable, kebab-case; steps, audits and reports name rules by it."""
    statement: str
    """What the rule does, in one line."""
    source: str
    """Where the rule comes from: a provider's documents, an SDK's behaviour, or payfold's own safety argument."""


_TABLE: Final = (
    Rule(
        id="first-charge",
        statement="A new payment's charge is sent at once.",
        source="payfold: created -> pending; the charge carries the payment's own reference, so a resend is safe",
    ),
    Rule(
        id="verdict-final",
        statement="A settled or failed payment is final: nothing more is sent.",
        source="payfold: verdicts are absorbing (a later contradicting answer is kept as a conflict)",
    ),
    Rule(
        id="in-flight-is-ambiguous",
        statement="A request unanswered for timeout + in_flight_grace is ambiguous: requery, never resend.",
        source="Flutterwave/Python-v2#97: a charge that failed with ECONNRESET had debited the customer",
    ),
    Rule(
        id="ambiguity-wait",
        statement="After an ambiguous charge answer, never resend; the requery waits ambiguity_delay.",
        source="Tranzzo: after 500/503, ask the status by order_id no sooner than one minute later",
    ),
    Rule(
        id="verify-charge-answer",
        statement="An accepted, declined or duplicate charge answer is verified by a requery after verify_delay.",
        source="Rave v2 docs checklist and SDKs: verify the transaction before giving value",
    ),
    Rule(
        id="requery-backoff",
        statement="No verdict yet: requery again on requery_backoff (indexed by requeries sent, the last repeating).",
        source="Kill Bill's janitor (5 min, 1 h, 1 d...); Rave PHP SDK: requery about 15 minutes after a timeout",
    ),
    Rule(
        id="resend-not-processed",
        statement="A charge answered 'not processed' (429, Tranzzo 404) is resent, same reference, after retry_after.",
        source="Tranzzo HTTP statuses: 429 is retryable (an earlier page: a 404 may be retried)",
    ),
    Rule(
        id="fail-not-processed",
        statement="Every one of max_charge_attempts charges was answered 'not processed': fail, no money moved.",
        source="payfold: a bounded resend honours both Tranzzo pages (404 retryable, 404 final)",
    ),
    Rule(
        id="fail-on-final-rejection",
        statement="A charge rejected before any transaction existed fails the payment.",
        source="Tranzzo HTTP statuses: 400/401/403/405/406 are final; Rave: a 4xx error answer",
    ),
    Rule(
        id="resend-after-not-found",
        statement=(
            "A charge is resent only after not_found_answers not-found requeries since it was sent, the latest "
            "not_found_grace or more after it."
        ),
        source="Rave v2: NO TX right after a timed-out charge is no proof the charge never landed",
    ),
    Rule(
        id="requery-while-customer-acts",
        statement="While the customer must act (OTP, redirect), requery customer_wait after the request for action.",
        source="Rave v2 validate flow: the customer may never enter the OTP",
    ),
    Rule(
        id="poll-long-request",
        statement="A long request (LONG-REQ): the first poll of its ping URL is due at its advised wait.",
        source="Rave v2 ?use_polling=1: 'poll the ping_url' after data.wait",
    ),
    Rule(
        id="poll-backoff",
        statement="A pending or failed poll: poll again on poll_backoff, at most max_polls polls.",
        source="Rave v2 handling timeouts via API: keep polling the ping URL until the response is ready",
    ),
    Rule(
        id="poll-budget-spent",
        statement="max_polls polls sent without an answer: requery instead.",
        source="payfold: a ping URL that never completes must not hold the payment",
    ),
    Rule(
        id="requery-after-poll-completed",
        statement="A poll answered 'completed': requery now; a ping answer never settles a payment.",
        source="Rave v2: the REQSPONSE carries the charge response; the transaction is still verified",
    ),
    Rule(
        id="webhook-brings-requery-forward",
        statement="A signed webhook moves the next requery to its arrival, never before a wait still in force.",
        source="Tranzzo and Rave webhooks notify; the docs say to verify the payment before giving value",
    ),
    Rule(
        id="settle-on-exact-match",
        statement="Settle only when a requery confirmed the payment's amount, currency and reference.",
        source="Rave v2 verify: check status, chargecode, amount and currency; Tranzzo plugins: amount_payment",
    ),
    Rule(
        id="fail-on-decline",
        statement="A requery that declines the payment fails it.",
        source="Tranzzo status by order_id: status 'failure'; Rave verify: status 'failed'",
    ),
    Rule(
        id="review-mismatch",
        statement="A confirmation with another amount, currency or reference raises a review.",
        source="Rave v2 docs checklist: give value only when the amount and currency match",
    ),
    Rule(
        id="review-contradiction",
        statement="One requery confirmed and another declined: raise a review.",
        source="payfold: contradicting evidence is never resolved by a machine",
    ),
    Rule(
        id="await-operator",
        statement="A review raised on a requery's answer waits for an operator's decision.",
        source="payfold: a mismatch or contradiction needs a human",
    ),
    Rule(
        id="deadline-review",
        statement="No verdict deadline after creation: raise a review, then requery on the slowest cadence.",
        source="payfold: an open payment must reach a human, not stay open forever",
    ),
    Rule(
        id="slowest-cadence-in-review",
        statement="Under a deadline review: keep requerying on the slowest cadence, never resend.",
        source="payfold: a late confirmation or decline still concludes the payment",
    ),
)

RULES: Final[Mapping[str, Rule]] = MappingProxyType({rule.id: rule for rule in _TABLE})
"""Every rule a step can name, by id, in the order docs/rules.md lists them."""


def rules_page() -> str:
    """docs/rules.md: every rule with its statement and source, from ``RULES``."""
    lines = [
        "# The rules next_step decides by",
        "",
        "Generated from `payfold.RULES` (`core/_rules.py`) by `payfold diagram --rules --write docs/rules.md`;",
        "`tests/core/test_rules.py` fails when this page differs from a fresh render. Every step `next_step`",
        "returns names one of these rules (`step.rule`), and `payfold explain` and `payfold audit` cite them.",
        "The names in `code` are `payfold.Policy` fields.",
        "",
        "| rule | what it does | source |",
        "| --- | --- | --- |",
    ]
    for rule in _TABLE:
        statement = _code_names(rule.statement)
        lines.append(f"| `{rule.id}` | {statement} | {rule.source.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def _code_names(text: str) -> str:
    """Put the Policy field names a statement mentions in backticks."""
    words = []
    for word in text.split(" "):
        bare = word.rstrip(".,:;)")
        if bare in Policy.__struct_fields__:
            word = word.replace(bare, f"`{bare}`")
        words.append(word)
    return " ".join(words)
