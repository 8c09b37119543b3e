"""The machine: declared once, compiled to a table, rendered to docs/state-machine.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from payfold import TABLE, IllegalTransition, Status
from payfold._events import PROVIDER_ANSWER_TAGS
from payfold._machine import next_status
from payfold.adapters.cli import diagram_page

DIAGRAM = Path(__file__).resolve().parents[2] / "docs" / "state-machine.md"


def test_committed_diagram_equals_a_fresh_render() -> None:
    assert DIAGRAM.read_text() == diagram_page(), (
        "docs/state-machine.md is stale: run `payfold diagram --write docs/state-machine.md`"
    )


def test_every_provider_answer_has_an_entry_in_every_status_but_created() -> None:
    for status in Status:
        if status is not Status.CREATED:
            assert all((status, tag) in TABLE for tag in PROVIDER_ANSWER_TAGS), status


def test_verdicts_are_absorbing_self_loops() -> None:
    for status in (Status.SETTLED, Status.FAILED):
        assert {TABLE[(status, tag)] for tag in PROVIDER_ANSWER_TAGS | {"request_sent"}} == {status}


def test_missing_pair_raises_illegal_transition() -> None:
    with pytest.raises(IllegalTransition) as info:
        next_status(Status.CREATED, "requery_confirmed")
    assert "'requery_confirmed' is not allowed in status 'created'" in str(info.value)


def test_ambiguity_never_moves_to_a_verdict() -> None:
    for status in (Status.PENDING, Status.POLLING, Status.REQUERIED):
        for tag in ("outcome_unknown", "requery_failed", "requery_not_found", "poll_completed", "webhook_received"):
            assert TABLE[(status, tag)] is status
