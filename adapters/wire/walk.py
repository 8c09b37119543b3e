"""Redacting a decoded JSON value: one walk that returns a redacted copy, sharing every unchanged part.

At any depth: the value of a key named secret (``names.normalized`` in ``fields``) becomes ``REDACTED`` unless it
is ``null``, ``true``, ``false``, ``""`` or already redacted; card numbers in strings and keys are masked
(``cards.scrub_text``); a number that is a card number in any notation becomes its masked text; a string holding
a URL or query loses its userinfo password and secret parameters (``urls.redact_url``); literal ``secrets`` are
replaced wherever a string holds them (the decoded string: escaped echoes such as ``\\/`` or ``\\u0041`` are
found too). The walk also counts object keys, so a caller can tell when the bytes held duplicate keys that the
decoded value no longer shows.
"""

from __future__ import annotations

from payfold.adapters.wire.cards import masked_number, scrub_text
from payfold.adapters.wire.echoes import MIN_SECRET, secret_text_forms
from payfold.adapters.wire.names import PARAM_NAMES, REDACTED, is_secret_name
from payfold.adapters.wire.urls import redact_url


def may_hide_a_secret(item: object) -> bool:
    """A secret field's value worth redacting: not empty, not already redacted, not a bare true/false/null."""
    return item is not None and not isinstance(item, bool) and item != "" and item != REDACTED


class Walk:
    """One redaction walk: ``run(value)`` gives the redacted copy; ``keys`` counts the object keys seen."""

    __slots__ = ("fields", "keys", "numbers", "secrets", "structural")

    def __init__(self, fields: frozenset[str], secrets: tuple[str, ...] = ()) -> None:
        self.fields = fields
        self.secrets = tuple(
            form for secret in secrets if len(secret) >= MIN_SECRET for form in secret_text_forms(secret)
        )
        self.keys = 0
        self.structural = False
        """True once a change other than masking card-number digits was made (a field redacted, a secret or a
        URL part replaced): the bytes cannot be masked in place then."""
        self.numbers = False
        """True once a number was a card number (it becomes its masked text in the copy)."""

    def run(self, value: object) -> tuple[object, bool]:
        """The redacted copy of ``value`` and whether anything changed."""
        if isinstance(value, dict):
            return self._object(value)
        if isinstance(value, list):
            items: list[object] = []
            changed = False
            for item in value:
                new, item_changed = self.run(item)
                items.append(new)
                changed = changed or item_changed
            return (items, True) if changed else (value, False)
        if isinstance(value, str):
            text = self.text(value)
            return text, text is not value
        if isinstance(value, int | float) and not isinstance(value, bool):
            masked = masked_number(value)
            if masked is None:
                return value, False
            self.numbers = True
            return masked, True
        return value, False

    def _object(self, value: dict[str, object]) -> tuple[object, bool]:
        out: dict[str, object] = {}
        changed = False
        self.keys += len(value)
        for key, item in value.items():
            if is_secret_name(key, self.fields) and may_hide_a_secret(item):
                out[self.text(key)] = REDACTED
                changed = self.structural = True
                continue
            new, item_changed = self.run(item)
            safe_key = self.text(key)
            out[safe_key] = new
            changed = changed or item_changed or safe_key is not key
        return (out, True) if changed else (value, False)

    def text(self, text: str) -> str:
        """``text`` with secrets replaced, URL secrets redacted and card numbers masked; ``text`` itself (the
        same object) when nothing changed."""
        out = text
        for secret in self.secrets:
            if secret in out:
                out = out.replace(secret, REDACTED)
                self.structural = True
        if ("=" in out or "@" in out) and ("?" in out or "&" in out or ";" in out or "//" in out):
            url = redact_url(out, PARAM_NAMES)
            if url != scrub_text(out):
                self.structural = True
            out = url
        elif len(out) >= 13:
            out = scrub_text(out)
        return text if out == text else out


def redact_json(value: object, secret_fields: frozenset[str], secrets: tuple[str, ...] = ()) -> tuple[object, bool]:
    """A copy of ``value`` with secret fields set to ``REDACTED``, card numbers masked, URL secrets and literal
    ``secrets`` replaced, and whether anything changed. Unchanged parts are shared, not copied.
    ``secret_fields`` holds normalized names."""
    return Walk(secret_fields, secrets).run(value)
