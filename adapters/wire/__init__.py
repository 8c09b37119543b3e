"""payfold.adapters.wire: reading a provider's answer, shared by every provider adapter and by nothing else's rules.

- ``gateway``: what answered when the provider's own JSON did not (nginx, Cloudflare, AWS ALB, HTML, nothing),
  the body limit, ``Retry-After``.
- ``fields``: reading decoded JSON without trusting its shape.
- ``redact``: what an adapter does to a wire before any event holds it.
- ``request``: ``HttpRequest``, the description of a call an adapter builds and the runner sends.

Sans-I/O: no clock, no store, no HTTP client, no provider module.
"""
