"""A literal secret (a webhook's shared secret) in every form a body, URL or header may echo it in.

A provider may echo what it was sent: as is, JSON-escaped (``\\/`` or every character as ``\\uXXXX``), or
URL-encoded (with or without ``/:@`` kept, hex in either case). Redaction replaces every form it finds.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache
from typing import Final
from urllib.parse import quote, quote_plus

import msgspec

MIN_SECRET: Final = 4
"""Literal secrets shorter than this are not searched for (they would match ordinary text)."""
_HEX: Final = re.compile("%[0-9A-F]{2}")


@lru_cache(maxsize=64)
def secret_text_forms(secret: str) -> tuple[str, ...]:
    """``secret`` as it may be written in text: as is, JSON-escaped (also with ``\\/`` and fully ``\\u``-escaped),
    URL-quoted (also keeping ``/:@``, also with lower-case hex); longest first."""
    quoted = {
        quote(secret, safe="", errors="surrogatepass"),
        quote(secret, safe="/:@", errors="surrogatepass"),
        quote_plus(secret, errors="surrogatepass"),
    }
    forms = {secret, *quoted, *(_HEX.sub(lambda m: m.group().lower(), form) for form in quoted)}
    with contextlib.suppress(UnicodeEncodeError):
        escaped = msgspec.json.encode(secret).decode()[1:-1]
        ascii_escaped = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else f"\\u{ord(c):04x}" for c in secret)
        forms |= {escaped, escaped.replace("/", "\\/"), ascii_escaped}
        forms |= {"".join(f"\\u{ord(c):04x}" for c in secret if ord(c) < 65536)}
    return tuple(sorted((form for form in forms if len(form) >= MIN_SECRET), key=len, reverse=True))


@lru_cache(maxsize=64)
def secret_forms(secret: str) -> tuple[bytes, ...]:
    """``secret_text_forms`` as bytes (a lone surrogate, which no JSON encoder takes, is kept as is)."""
    return tuple(form.encode("utf-8", "surrogatepass") for form in secret_text_forms(secret))
