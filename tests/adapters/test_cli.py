"""The payfold command: the demo's three stories and the diagram."""

from __future__ import annotations

from datetime import timedelta

import pytest

from payfold import OutcomeUnknown, PaymentSettled, Requery, RequestSent, Status
from payfold.adapters.cli import diagram_page, main
from payfold.adapters.cli._stories import play, stories


def test_demo_prints_three_stories_each_ending_settled(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--stories"]) == 0
    out = capsys.readouterr().out
    assert [line.split(".")[0] for line in out.splitlines() if line.startswith("Story ")] == [
        "Story 1",
        "Story 2",
        "Story 3",
    ]
    assert out.count(" settled    done") == 3
    assert "outcome_unknown (nginx)" in out and "long_request" in out and "poll_completed" in out


def test_every_story_reaches_its_verdict_only_through_a_requery() -> None:
    for story in stories():
        lines = list(play(story))
        final = lines[-1]
        assert final.state.status is Status.SETTLED, story.title
        assert isinstance(final.event, PaymentSettled)
        assert lines[-2].event.wire.operation == "requery"  # type: ignore[union-attr]


def test_tranzzo_500_story_waits_60_seconds_before_the_requery() -> None:
    lines = list(play(stories()[2]))
    unknown = next(line for line in lines if isinstance(line.event, OutcomeUnknown))
    assert isinstance(unknown.step, Requery)
    assert unknown.step.due >= unknown.event.at + timedelta(seconds=60)
    requery = next(
        line.event for line in lines if isinstance(line.event, RequestSent) and line.event.operation == "requery"
    )
    assert requery.at == unknown.step.due


def test_diagram_prints_the_docs_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram"]) == 0
    assert capsys.readouterr().out == diagram_page()
