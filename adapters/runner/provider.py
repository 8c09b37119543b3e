"""A provider as the runner sees it: an adapter module (or an object with the same members) and its settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from payfold import Event, Payment, Policy, WebhookReceived, Wire
from payfold.adapters.wire.request import HttpRequest


class ProviderAdapter(Protocol):
    """What the runner needs from a provider module (``payfold.adapters.tranzzo``, ``.flutterwave``, ...)."""

    POLICY: Policy

    def translate(self, wire: Wire) -> Event: ...

    def request(self, action: Any, payment: Payment, credentials: Any) -> HttpRequest: ...

    def webhook(self, headers: Any, body: bytes, secret: str, *, at: datetime) -> WebhookReceived: ...


@dataclass(frozen=True)
class Provider:
    """A provider as the runner uses it: its adapter, the merchant's credentials, the policy, the webhook secret.

    ``webhook_secret`` is None when this app takes no callbacks from the provider (``Runner.deliver_webhook`` then
    refuses them); an empty secret is a configuration error, since anyone could sign with it.
    """

    adapter: ProviderAdapter
    credentials: Any
    policy: Policy | None = None
    webhook_secret: str | None = None

    def __post_init__(self) -> None:
        if self.webhook_secret == "":
            raise ValueError(
                "Provider(webhook_secret='') is a configuration error: with an empty secret anyone can sign a "
                "webhook; pass the provider's webhook secret, or None when this app takes no webhooks"
            )

    def secret_for_webhooks(self) -> str:
        """The webhook secret; ``ValueError`` naming the adapter when none was configured."""
        if self.webhook_secret is None:
            name = getattr(self.adapter, "NAME", type(self.adapter).__name__)
            raise ValueError(f"no webhook secret configured for provider {name!r}: pass Provider(webhook_secret=...)")
        return self.webhook_secret

    @property
    def effective_policy(self) -> Policy:
        """The policy in force: the one given, or the adapter's documented ``POLICY``."""
        return self.policy if self.policy is not None else self.adapter.POLICY
