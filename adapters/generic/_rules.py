"""What a message rule may conclude, and from which HTTP statuses: the safety table of ``MessageRule``.

DESIGN's first promise is that an ambiguous answer never becomes a verdict. A message rule reads free text that
the provider, a proxy or a web framework may put in any answer, so what it may conclude is bounded by the status
line, never by the text alone:

| outcome               | read on | statuses a rule may match     | what follows                                 |
|-----------------------|---------|-------------------------------|----------------------------------------------|
| ``charge_duplicate``  | charge  | any                           | a requery: never a verdict, never a resend   |
| ``not_processed``     | charge  | 4xx except 408, 425           | a resend of the same reference (bounded)     |
| ``charge_rejected``   | charge  | 4xx except 408, 425, 429      | failed: the provider refused the request     |
| ``requery_not_found`` | requery | 2xx; 4xx except 408, 425, 429 | counts toward the not-found rule (DESIGN §4) |
| ``requery_failed``    | requery | any                           | ask again later: the weakest answer          |

Why: a 4xx is the provider saying it would not act on the request, so "not processed" and "rejected" may rest on
it; a 5xx, 3xx or 2xx may come after the charge was applied, so neither may. 408, 425 and 429 are "try later"
answers, evidence of nothing about the payment. A not-found may open a resend, so it needs an answer the status
API produced (a 2xx or a client error), never a 5xx. No rule can name ``charge_accepted``, ``charge_declined``,
``action_required``, ``requery_pending``, ``requery_confirmed`` or ``requery_declined``: those come only from a
payment status the spec recognises. Rules read the provider's JSON only; a gateway page (nginx, Cloudflare, an
HTML 301) never reaches one.
"""

from __future__ import annotations

from typing import Final, Literal

RuleOutcome = Literal["charge_duplicate", "not_processed", "charge_rejected", "requery_not_found", "requery_failed"]

CHARGE_OUTCOMES: Final[frozenset[RuleOutcome]] = frozenset(("charge_duplicate", "not_processed", "charge_rejected"))
"""Outcomes of rules read on a charge (and a validate)."""
REQUERY_OUTCOMES: Final[frozenset[RuleOutcome]] = frozenset(("requery_not_found", "requery_failed"))
"""Outcomes of rules read on a requery."""
TRY_LATER: Final = frozenset((408, 425, 429))
"""Client-error statuses that only say "not now": no evidence about the payment."""


def allows(outcome: RuleOutcome, status: int) -> bool:
    """True when a rule naming ``outcome`` may match an answer with HTTP ``status`` (see the module table)."""
    client_error = 400 <= status < 500
    match outcome:
        case "charge_duplicate" | "requery_failed":
            return True
        case "not_processed":
            return client_error and status not in (408, 425)  # a proxy's timeout may follow a forwarded charge
        case "charge_rejected":
            return client_error and status not in TRY_LATER
        case "requery_not_found":
            return (200 <= status < 300 or client_error) and status not in TRY_LATER


def check_rule_status(outcome: RuleOutcome, status: int) -> None:
    """Refuse, with a ValueError, a rule that names a status its outcome may not be read from."""
    if not 100 <= status <= 599:
        raise ValueError(f"MessageRule({outcome}): status must be an HTTP status (100-599), got {status}")
    if not allows(outcome, status):
        raise ValueError(
            f"MessageRule({outcome}) cannot match HTTP {status}: an answer with that status may follow a charge "
            "the provider applied, and a message alone must never turn it into this outcome "
            "(see payfold.adapters.generic._rules)"
        )
