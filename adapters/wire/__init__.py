"""payfold.adapters.wire: reading a provider's answer, shared by every provider adapter and by nothing else's rules.

- ``reading``: ``read(wire)`` decodes and redacts a wire once (the fast path, parse once) and ``finish(event,
  reading)`` makes an event safe to store; the API every adapter uses (its docstring documents it).
- ``gateway``: what answered when the provider's own JSON did not (nginx, Cloudflare, AWS ALB, HTML, nothing),
  the body limit, ``Retry-After``.
- ``fields``: reading decoded JSON without trusting its shape.
- ``names`` (the one list of secret names, normalized), ``cards`` (card numbers), ``urls`` (``redact_url``),
  ``walk`` (redacting a decoded value), ``raw`` (redacting bytes never parsed), ``echoes`` (a literal secret's
  forms); ``redact``: the stable entry points (``redact_answer``, ``redact_wire``, ``redact_json``, ...).
- ``request``: ``HttpRequest``, the description of a call an adapter builds and the runner sends.

Sans-I/O: no clock, no store, no HTTP client, no provider module.
"""
