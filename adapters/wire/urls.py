"""URLs as events may hold them: no password in the userinfo, no value of a secret query parameter.

``redact_url`` serves every stored URL: a wire's ``url``, ``RequestSent.url`` (the runner), and the URLs an
adapter copies out of an answer into an event (a Rave ``ping_url``, a Tranzzo ``redirect_url`` or ``Location``).
Parameter names are compared after ``names.normalized`` against ``names.PARAM_NAMES`` (``X-Api-Key``, ``api_key``
and ``apikey`` are one name). Card numbers are masked too (``cards.scrub_text``).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote_plus

from payfold.adapters.wire.cards import scrub_text
from payfold.adapters.wire.names import PARAM_NAMES, REDACTED, normalized

_QUERY_PAIR: Final = re.compile(r"([?&;])([^=&;#?]*+)=([^&;#?]*+)")
"""A query pair. A ``?`` starts a new pair, also inside a value (``?ref=1?key=…``, or a nested URL's query), so a
secret after it is found, and no part of the pattern can backtrack across a run of ``?``."""
_USERINFO: Final = re.compile(r"//([^/\r\n\"'<>]*)@")
"""``//userinfo@``: everything up to the LAST ``@`` before the path is userinfo, so a password holding ``@``
(``user:p@ss@host``) goes whole, also one holding ``?``, ``#`` or a space (over-redacting a query that holds
an ``@`` but no path is the price). Linear: the part after one ``//`` ends at the next ``/``."""


def _userinfo(match: re.Match[str]) -> str:
    user, colon, _ = match.group(1).partition(":")
    return f"//{user}:{REDACTED}@" if colon else f"//{REDACTED}@"


def redact_url(url: str, secret_params: frozenset[str] = PARAM_NAMES) -> str:
    """``url`` with any userinfo password (or a lone userinfo token) and every secret query parameter's value
    set to ``REDACTED``, card numbers masked. ``secret_params`` holds normalized names (``names.normalized``).
    Total and linear: any text is accepted, also text that only contains URLs."""
    if not url:
        return url
    if "@" in url and "//" in url:
        url = _USERINFO.sub(_userinfo, url)
    if "=" in url and ("?" in url or ";" in url or "&" in url):

        def pair(match: re.Match[str]) -> str:
            sep, name, value = match.groups()
            if value and value != REDACTED and normalized(unquote_plus(name)) in secret_params:
                return f"{sep}{name}={REDACTED}"
            return match.group()

        url = _QUERY_PAIR.sub(pair, url)
    return scrub_text(url)
