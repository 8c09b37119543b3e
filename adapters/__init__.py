"""payfold.adapters: every edge to the outside world.

Provider adapters (``payfold.adapters.tranzzo``, ``.flutterwave``, ``.generic``) are sans-I/O translators;
stores, the runner, the sandbox and the CLI are the only modules that do I/O. Importing this package loads
none of them.
"""

from payfold.adapters.wire.request import HttpRequest

__all__ = ["HttpRequest"]
