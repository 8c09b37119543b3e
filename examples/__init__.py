"""Runnable examples of embedding payfold (each tested under tests/examples/)."""
