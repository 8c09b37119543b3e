"""The mutation run over core/_decide.py and core/_fold.py (``make mutate``; see docs/mutation.md)."""
