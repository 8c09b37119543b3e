"""payfold.adapters: every edge to the outside world.

Provider adapters (``payfold.adapters.tranzzo``, ``.flutterwave``, ``.generic``) are sans-I/O translators;
stores, the runner, the sandbox and the CLI are the only modules that do I/O. Importing this package loads
none of them.

Everything under ``payfold`` logs through the ``payfold`` logger, which has a ``NullHandler``: nothing prints until
the app configures logging (docs/observability.md).
"""

import logging

from payfold.adapters.wire.request import HttpRequest

logging.getLogger("payfold").addHandler(logging.NullHandler())

__all__ = ["HttpRequest"]
