"""What to do next: values ``next_step`` returns and the runner carries out at ``due``.

Every step names the rule that chose it (``rule``, a key of ``payfold.RULES``) and the moments its due time was
derived from (``basis``: ``(anchor, time)`` pairs such as ``("charge_answer", ...)``; ``payfold.timeline``
turns them into event versions). Both are provenance, not the action: ``==`` and ``hash`` compare the action
alone, so ``SendCharge(due=t) == next_step(...)`` holds whichever rule chose it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias

import msgspec

from ._events import PaymentFailed, PaymentSettled, ReviewRequired
from ._time import UtcDatetime

Basis: TypeAlias = tuple[tuple[str, datetime], ...]
"""``(anchor, time)`` pairs: the moments a step's due time or choice was derived from."""

_PROVENANCE = frozenset(("rule", "basis"))


class _Step(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """A step's provenance, and equality over the action alone."""

    rule: str = ""
    """The id of the rule that chose this step (``payfold.RULES``); empty on a step built by hand."""
    basis: Basis = ()
    """The moments the step relied on, each named by its anchor."""

    def _action(self) -> tuple[Any, ...]:
        return (type(self), *(getattr(self, name) for name in self.__struct_fields__ if name not in _PROVENANCE))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Step):
            return NotImplemented
        return self._action() == other._action()

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, _Step):
            return NotImplemented
        return self._action() != other._action()

    def __hash__(self) -> int:
        return hash(self._action())

    def __repr__(self) -> str:
        action = [f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__ if name not in _PROVENANCE]
        why = [f"rule={self.rule!r}"] if self.rule else []
        return f"{type(self).__name__}({', '.join(action + why)})"


class SendCharge(_Step, frozen=True, kw_only=True):
    """Send the charge (the first time, or a resend with the same reference)."""

    due: UtcDatetime


class Poll(_Step, frozen=True, kw_only=True):
    """Call the long request's ping URL."""

    url: str
    due: UtcDatetime


class Requery(_Step, frozen=True, kw_only=True):
    """Ask the provider's status API."""

    due: UtcDatetime


class Conclude(_Step, frozen=True, kw_only=True):
    """Append ``event`` (whose ``at`` equals ``due``): a verdict or a review."""

    event: PaymentSettled | PaymentFailed | ReviewRequired
    due: UtcDatetime


class Done(_Step, frozen=True, kw_only=True):
    """Nothing to do until something new arrives."""


class Validate(msgspec.Struct, frozen=True, kw_only=True):
    """Not a step: the app's own action when the customer typed an OTP (``request`` builds it)."""

    otp: str

    def __repr__(self) -> str:
        return "Validate(otp='***')"


Step: TypeAlias = SendCharge | Poll | Requery | Conclude | Done
Action: TypeAlias = SendCharge | Poll | Requery | Validate
"""What an adapter's ``request`` builds an HTTP request for."""
