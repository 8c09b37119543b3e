"""Tell the app what happened: an ``async for`` over the log's new events, or only its verdicts, after a
checkpoint the app keeps. Delivery is at least once: an app that stores ``position`` after handling a notice
(in the same transaction as its own effect: the outbox pattern, docs/embedding.md) resumes exactly where it left
off after a restart, and sees a notice twice only if it stopped between handling it and storing its position.
"""

from payfold.adapters.notify._subscription import VERDICT_TAGS, Notice, Subscription, subscribe, verdicts

__all__ = ["VERDICT_TAGS", "Notice", "Subscription", "subscribe", "verdicts"]
