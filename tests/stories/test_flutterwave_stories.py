"""Flutterwave Rave v2: driven stories over the Rave pool, OTPs and long requests included (see _machine.py)."""

from __future__ import annotations

from tests.stories._flutterwave_pool import KIT
from tests.stories._machine import STORIES, OtpStoryMachine, run_stories


class FlutterwaveStories(OtpStoryMachine):
    kit = KIT


def test_flutterwave_stories_keep_the_promises() -> None:
    """0 resends outside the rule, 0 verdicts from ambiguity, 0 settlements without an exact confirmation."""
    assert run_stories(FlutterwaveStories) >= STORIES
