"""Tranzzo: driven stories over the Tranzzo pool (see tests/stories/_machine.py for the rules and checks)."""

from __future__ import annotations

from tests.stories._machine import STORIES, StoryMachine, run_stories
from tests.stories._tranzzo_pool import KIT


class TranzzoStories(StoryMachine):
    kit = KIT


def test_tranzzo_stories_keep_the_promises() -> None:
    """0 resends outside the rule, 0 verdicts from ambiguity, 0 settlements without an exact confirmation."""
    assert run_stories(TranzzoStories) >= STORIES
