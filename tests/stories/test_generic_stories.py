"""The generic adapter (``EXAMPLE_SPEC``): driven stories over its pool (see tests/stories/_machine.py)."""

from __future__ import annotations

from tests.stories._generic_pool import KIT
from tests.stories._machine import STORIES, StoryMachine, run_stories


class GenericStories(StoryMachine):
    kit = KIT


def test_generic_stories_keep_the_promises() -> None:
    """0 resends outside the rule, 0 verdicts from ambiguity, 0 settlements without an exact confirmation."""
    assert run_stories(GenericStories) >= STORIES
