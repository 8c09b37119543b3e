"""Driven stories: a Hypothesis state machine per provider follows ``next_step`` and answers from wire pools."""
