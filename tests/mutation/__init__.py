"""The mutation run over core/_decide.py, core/_fold.py and core/_apply.py (``make mutate``; see docs/mutation.md)."""
