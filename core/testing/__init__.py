"""payfold.testing: Hypothesis strategies, invariant checks and contract test classes for users' integrations.

Needs the ``testing`` extra (hypothesis). Nothing here is imported by ``import payfold``.
"""

from payfold._invariants import (
    InvariantViolation,
    check_due_times,
    check_failed_only_on_evidence,
    check_fold,
    check_history,
    check_machine_agrees,
    check_no_double_charge,
    check_requery_after_poll_completed,
    check_settled_only_on_confirmation,
    check_verdicts_absorbing,
    states,
)

from ._adapter_contract import AdapterContract
from ._histories import answers, histories
from ._leaks import Leak, find_leaks, find_pans
from ._named_fields import card_field_leaks
from ._scenario import T0, Scenario, created, given, seconds, wire
from ._store_contract import EventStoreContract
from ._strategies import (
    bodies,
    created_events,
    event_of,
    events,
    gaps,
    json_values,
    table_walks,
    utc_datetimes,
    wires,
)

__all__ = [
    "T0",
    "AdapterContract",
    "EventStoreContract",
    "InvariantViolation",
    "Leak",
    "Scenario",
    "answers",
    "bodies",
    "card_field_leaks",
    "check_due_times",
    "check_failed_only_on_evidence",
    "check_fold",
    "check_history",
    "check_machine_agrees",
    "check_no_double_charge",
    "check_requery_after_poll_completed",
    "check_settled_only_on_confirmation",
    "check_verdicts_absorbing",
    "created",
    "created_events",
    "event_of",
    "events",
    "find_leaks",
    "find_pans",
    "gaps",
    "given",
    "histories",
    "json_values",
    "seconds",
    "states",
    "table_walks",
    "utc_datetimes",
    "wire",
    "wires",
]
