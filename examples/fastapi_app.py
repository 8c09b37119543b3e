"""A FastAPI app that takes card payments through Tranzzo with payfold as its domain core (docs/embedding.md).

- The lifespan opens payfold's SQLite log, starts the runner as a background task (it wakes when a payment is
  created or a webhook arrives) and a notifier that follows the log's verdicts.
- ``POST /payments`` records a payment; the runner charges it at once.
- ``POST /webhooks/tranzzo`` hands the provider's callback to the runner, which finds the payment by the reference
  the callback names and brings its next requery forward (a webhook never settles a payment by itself).
- The notifier tells the customer the verdict: it writes a notification to the app's own database, in the same
  transaction as its checkpoint (the outbox pattern), so each verdict is notified exactly once across restarts,
  although payfold delivers it at least once. ``GET /payments/{id}`` shows the status and the notification.

Run it against the sandbox (``payfold sandbox --port 8765 --rate 0``)::

    uvicorn --factory examples.fastapi_app:from_environment
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, Field

from payfold import PaymentCreated, Policy
from payfold.adapters import tranzzo
from payfold.adapters.notify import Notice, verdicts
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.stores.sqlite import SqliteStore


@dataclass(frozen=True)
class Settings:
    """Where the logs live and how to reach Tranzzo."""

    log: Path
    """payfold's log (SQLite)."""
    app_db: Path
    """The app's own database: orders' notifications and the notifier's checkpoint."""
    credentials: tranzzo.Credentials
    webhook_secret: str
    """The POS's API secret, which signs Tranzzo's callbacks."""
    policy: Policy | None = None
    """A team's own policy; None for Tranzzo's documented one."""


class Order(BaseModel):
    order_id: str = Field(min_length=1, max_length=64)
    amount: int = Field(gt=0, description="minor units")
    currency: str = Field(min_length=3, max_length=3)
    card_token: str = Field(min_length=1, description="Tranzzo's cc_token: payfold never sees a card number")


class Outbox:
    """The app's side: one notification per verdict and the position of the last verdict handled, written in one
    transaction, so a verdict delivered again after a restart is recognised and not notified twice."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS notification (
                payment_id TEXT PRIMARY KEY, outcome TEXT NOT NULL, position INTEGER NOT NULL, sent INTEGER DEFAULT 0
            );
            CREATE TABLE IF NOT EXISTS checkpoint (one INTEGER PRIMARY KEY CHECK (one = 1), position INTEGER);
            INSERT OR IGNORE INTO checkpoint VALUES (1, 0);
            """
        )

    def checkpoint(self) -> int:
        (position,) = self._db.execute("SELECT position FROM checkpoint").fetchone()
        return int(position)

    def record(self, notice: Notice) -> None:
        with self._db:  # one transaction: the notification and the checkpoint, or neither
            self._db.execute(
                "INSERT OR IGNORE INTO notification (payment_id, outcome, position) VALUES (?, ?, ?)",
                (notice.payment_id, notice.outcome, notice.position),
            )
            self._db.execute("UPDATE checkpoint SET position = ? WHERE one = 1", (notice.position,))

    def notification(self, payment_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT outcome, position FROM notification WHERE payment_id = ?", (payment_id,)
        ).fetchone()
        return None if row is None else {"outcome": row[0], "position": row[1]}

    def close(self) -> None:
        self._db.close()


async def notify(notices: AsyncIterable[Notice], outbox: Outbox) -> None:
    """Tell customers their verdicts: here, by writing the notification a mailer would send."""
    async for notice in notices:
        outbox.record(notice)


def create_app(settings: Settings) -> FastAPI:
    """The app, wired to ``settings``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await SqliteStore.open(settings.log)
        secret = settings.webhook_secret
        provider = Provider(tranzzo, settings.credentials, policy=settings.policy, webhook_secret=secret)
        runner = Runner(store, {"tranzzo": provider})
        outbox = Outbox(settings.app_db)
        subscription = verdicts(store, after=outbox.checkpoint())
        tasks = [asyncio.create_task(runner.run(until_idle=False)), asyncio.create_task(notify(subscription, outbox))]
        app.state.runner, app.state.outbox = runner, outbox
        try:
            yield
        finally:
            runner.stop()
            subscription.close()
            await asyncio.gather(*tasks)
            await runner.close()
            await store.close()
            outbox.close()

    app = FastAPI(title="shop payments", lifespan=lifespan)

    @app.post("/payments", status_code=201)
    async def create_payment(order: Order, request: Request) -> dict[str, str]:
        runner: Runner = request.app.state.runner
        payment_id = f"pay-{order.order_id}"
        if await runner.store.version(payment_id):
            raise HTTPException(409, f"order {order.order_id} already has a payment")
        created = PaymentCreated(
            at=datetime.now(UTC), payment_id=payment_id, provider="tranzzo", amount=order.amount,
            currency=order.currency, reference=order.order_id, details={"cc_token": order.card_token},
        )  # fmt: skip
        state = await runner.create(created)
        return {"payment_id": payment_id, "status": state.status.value}

    @app.get("/payments/{payment_id}")
    async def payment(payment_id: str, request: Request) -> dict[str, Any]:
        runner: Runner = request.app.state.runner
        if not await runner.store.version(payment_id):
            raise HTTPException(404, f"no payment {payment_id}")
        state = await runner.payment(payment_id)
        notified = request.app.state.outbox.notification(payment_id)
        return {"payment_id": payment_id, "status": state.status.value, "notified": notified}

    @app.post("/webhooks/tranzzo")
    async def tranzzo_webhook(request: Request) -> Response:
        runner: Runner = request.app.state.runner
        hint = await runner.route_webhook("tranzzo", tuple(request.headers.items()), await request.body())
        if hint is None:
            return Response(status_code=404)  # it names no payment of ours: nothing recorded
        return Response(status_code=200 if hint.signature_valid else 403)

    return app


def from_environment() -> FastAPI:
    """The app configured from ``SHOP_*`` variables (for ``uvicorn --factory``), against the sandbox's keys."""
    from payfold.adapters.sandbox import DEFAULT_TRANZZO

    keys = DEFAULT_TRANZZO

    base_url = os.environ.get("SHOP_TRANZZO_URL", "http://127.0.0.1:8765")
    credentials = tranzzo.Credentials(pos_id=keys.pos_id, api_key=keys.api_key, api_secret=keys.api_secret,
                                      endpoints_key=keys.endpoints_key, base_url=base_url)  # fmt: skip
    folder = Path(os.environ.get("SHOP_DATA", "."))
    return create_app(Settings(log=folder / "payments.db", app_db=folder / "shop.db", credentials=credentials,
                               webhook_secret=keys.api_secret))  # fmt: skip
