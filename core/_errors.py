"""Every error payfold raises on purpose, split by whose fault it is.

    PayfoldError
    ├── IllegalTransition          the machine refused an event in this status (a caller or a bug)
    ├── InvalidPayment (ValueError)        a caller passed a bad value
    │   ├── InvalidAmount
    │   └── UnknownCurrency
    ├── InvalidPolicy (ValueError)         a policy number is out of range
    ├── UnreadableEvent (ValueError)       stored bytes are not an event of any known schema
    ├── ConcurrencyConflict                a store append lost a race (re-read, re-decide)
    └── StoreError (payfold._store)        a store cannot be used as it is (``where`` names it)
        ├── StoreFormatError (ValueError)  not a payfold store, a newer payfold's format, foreign tables
        └── StoreCorrupt                   the storage itself is damaged

Any other exception escaping payfold is a bug.
"""

from __future__ import annotations


class PayfoldError(Exception):
    """Base of every error payfold raises on purpose."""


class IllegalTransition(PayfoldError):
    """The machine has no transition for ``tag`` in ``status`` (``status`` None: before ``created``)."""

    def __init__(self, status: str | None, tag: str, detail: str = "") -> None:
        where = "before the first event" if status is None else f"in status {status!r}"
        message = f"event {tag!r} is not allowed {where}"
        super().__init__(f"{message}: {detail}" if detail else message)
        self.status = status
        self.tag = tag


class InvalidPayment(PayfoldError, ValueError):
    """A caller passed a value payfold cannot accept."""


class InvalidAmount(InvalidPayment):
    """An amount that is not a positive integer of minor units."""


class UnknownCurrency(InvalidPayment):
    """A currency code that is not in payfold's ISO 4217 table."""


class InvalidPolicy(PayfoldError, ValueError):
    """A policy number out of its range (a negative delay, an empty backoff, ...)."""


class UnreadableEvent(PayfoldError, ValueError):
    """Stored bytes that decode to no event of the schema version they were stored with."""

    def __init__(self, detail: str, *, schema_version: int) -> None:
        super().__init__(f"unreadable event (schema version {schema_version}): {detail}")
        self.schema_version = schema_version


class ConcurrencyConflict(PayfoldError):
    """An append expected ``stream`` at ``expected`` events but found ``actual``: re-read and decide again."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream!r}: expected version {expected}, found {actual}")
        self.stream = stream
        self.expected = expected
        self.actual = actual
