"""What an operator does with a log: list the payments under review, and record a decision on one.

``review`` reads; ``resolve`` appends one ``SettledManually`` or ``FailedManually`` after checking that the
payment is open and under review (or that the operator forces it, with a note), stamped with the real time.
"""

from payfold.adapters.operate._resolve import ResolveRefused, resolve
from payfold.adapters.operate._review import UnderReview, review, under_review

__all__ = ["ResolveRefused", "UnderReview", "resolve", "review", "under_review"]
