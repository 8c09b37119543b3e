"""payfold.testing: Hypothesis strategies, invariant checks and contract test classes for users' integrations.

Needs the ``testing`` extra (hypothesis). Nothing here is imported by ``import payfold``.
"""

from ._adapter_contract import AdapterContract
from ._store_contract import EventStoreContract

__all__ = ["AdapterContract", "EventStoreContract"]
