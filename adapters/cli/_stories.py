"""Three scripted stories replayed in memory: the provider's answers are canned wires, everything else is real
(the adapter's request and translate, fold, next_step, the policy's timings)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from payfold import (
    Conclude,
    Done,
    Event,
    Operation,
    Payment,
    PaymentCreated,
    Policy,
    Poll,
    Requery,
    RequestSent,
    SendCharge,
    Step,
    Wire,
    evolve,
    next_step,
    tag_of,
)
from payfold.adapters.wire.request import HttpRequest

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Answer:
    """A canned provider answer: what arrives ``latency`` after the request."""

    status: int | None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
    latency: timedelta = timedelta(milliseconds=300)
    error: str | None = None


@dataclass
class Story:
    """A payment, the provider module that speaks for it, and the answers it will get per operation."""

    title: str
    created: PaymentCreated
    translate: Callable[[Wire], Event]
    request: Callable[[SendCharge | Poll | Requery, Payment], HttpRequest]
    policy: Policy
    script: dict[Operation, list[Answer]] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """One printed line: an event, the status after it and the next step."""

    event: Event
    state: Payment
    step: Step


def play(story: Story) -> Iterator[Line]:
    """Drive ``story`` to the end: follow next_step, answer each request from the script."""
    state = evolve(None, story.created)
    yield Line(story.created, state, next_step(state, story.policy))
    while True:
        step = next_step(state, story.policy)
        if isinstance(step, Done):
            return
        events: list[Event]
        if isinstance(step, Conclude):
            events = [step.event]
        else:
            operation: Operation = (
                "charge" if isinstance(step, SendCharge) else "poll" if isinstance(step, Poll) else "requery"
            )
            queue = story.script.get(operation) or []
            if not queue:
                return
            answer = queue.pop(0)
            request = story.request(step, state)
            sent = RequestSent(at=step.due, operation=operation, attempt=state.next_attempt(operation), url=request.url)
            wire = Wire(
                operation=operation,
                status=answer.status,
                headers=answer.headers,
                body=answer.body,
                error=answer.error,
                sent_at=step.due,
                received_at=step.due + answer.latency,
                url=request.url,
                method=request.method,
            )
            events = [sent, story.translate(wire)]
        for event in events:
            state = evolve(state, event)
            yield Line(event, state, next_step(state, story.policy))


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def stories() -> list[Story]:
    """The three stories of ``payfold demo --stories``."""
    from payfold.adapters import flutterwave, tranzzo

    tz_credentials = tranzzo.Credentials(
        pos_id="pos-demo", api_key="demo-key", api_secret="demo-secret", endpoints_key="demo-endpoints"
    )
    rave_credentials = flutterwave.Credentials(public_key="FLWPUBK-demo", secret_key="FLWSECK-demo")
    nginx_502 = (
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
        b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )

    def tz_purchase(reference: str, status: str, **extra: Any) -> bytes:
        tx = {
            "payment_id": "tz-5521",
            "order_id": reference,
            "method": "purchase",
            "status": status,
            "amount": 1250.0,
            "currency": "UAH",
            **extra,
        }
        return _json([tx])

    one = Story(
        title="Tranzzo: the charge is answered by an nginx 502 page; a requery finds it paid",
        created=PaymentCreated(
            at=T0, payment_id="pay-502", provider="tranzzo", amount=125_000, currency="UAH", reference="order-502"
        ),
        translate=tranzzo.translate,
        request=lambda action, payment: tranzzo.request(action, payment, tz_credentials),
        policy=tranzzo.POLICY,
        script={
            "charge": [
                Answer(502, nginx_502, (("content-type", "text/html"), ("server", "nginx")), timedelta(seconds=25))
            ],
            "requery": [Answer(200, tz_purchase("order-502", "success", status_code=1000))],
        },
    )
    ping = "https://api.ravepay.co/flwv3-pug/getpaidx/api/ping/REQ-8812"
    inner = _json({"data": {"response_code": "02", "response_message": "Transaction in progress"}}).decode()
    two = Story(
        title="Flutterwave Rave v2: LONG-REQ, the ping URL polled to completion, then a requery settles it",
        created=PaymentCreated(
            at=T0,
            payment_id="pay-long",
            provider="flutterwave",
            amount=450_000,
            currency="NGN",
            reference="txref-long",
            details={"token": "flw-t1-demo", "email": "a@example.com"},
        ),
        translate=flutterwave.translate,
        request=lambda action, payment: flutterwave.request(action, payment, rave_credentials),
        policy=flutterwave.POLICY,
        script={
            "charge": [
                Answer(
                    200,
                    _json(
                        {
                            "status": "success",
                            "message": "LONG-REQ",
                            "data": {
                                "message": "The request is taking too long. Please poll the ping_url to get response",
                                "ping_url": ping,
                                "REQUEST": "REQ-8812",
                                "wait": 7468,
                            },
                        }
                    ),
                    latency=timedelta(seconds=2),
                )
            ],
            "poll": [
                Answer(
                    200,
                    _json(
                        {
                            "status": "success",
                            "message": "REQSPONSE",
                            "data": {"id": 1, "reqid": "REQ-8812", "status": "pending", "response": None},
                        }
                    ),
                ),
                Answer(
                    200,
                    _json(
                        {
                            "status": "success",
                            "message": "REQSPONSE",
                            "data": {"id": 1, "reqid": "REQ-8812", "status": "completed", "response": inner},
                        }
                    ),
                ),
            ],
            "requery": [
                Answer(
                    200,
                    _json(
                        {
                            "status": "success",
                            "message": "Tx Fetched",
                            "data": {
                                "txref": "txref-long",
                                "flwref": "FLW-MOCK-77",
                                "amount": 4500,
                                "currency": "NGN",
                                "chargecode": "00",
                                "status": "successful",
                            },
                        }
                    ),
                )
            ],
        },
    )
    three = Story(
        title="Tranzzo: a 500 with an error_id; the requery waits 60 s, finds it pending, then paid",
        created=PaymentCreated(
            at=T0, payment_id="pay-500", provider="tranzzo", amount=125_000, currency="UAH", reference="order-500"
        ),
        translate=tranzzo.translate,
        request=lambda action, payment: tranzzo.request(action, payment, tz_credentials),
        policy=tranzzo.POLICY,
        script={
            "charge": [
                Answer(
                    500,
                    _json({"message": "Internal server error", "args": {"error_id": "7d0c2f1e"}}),
                    latency=timedelta(seconds=3),
                )
            ],
            "requery": [
                Answer(200, tz_purchase("order-500", "pending")),
                Answer(200, tz_purchase("order-500", "success", status_code=1000)),
            ],
        },
    )
    return [one, two, three]


def describe_step(step: Step, origin: datetime) -> str:
    """A step as the demo prints it, with its due time relative to the story's start."""
    match step:
        case Done():
            return "done"
        case Conclude(event=event, due=due):
            return f"conclude {tag_of(event)} at {_offset(due, origin)}"
        case Poll(due=due):
            return f"poll the ping URL at {_offset(due, origin)}"
        case Requery(due=due):
            return f"requery at {_offset(due, origin)}"
        case SendCharge(due=due):
            return f"send the charge at {_offset(due, origin)}"
    raise TypeError(step)


def describe_event(event: Event) -> str:
    """The event's tag and the detail that matters most."""
    tag = tag_of(event)
    for name in ("cause", "operation", "kind", "reason", "code"):
        value = getattr(event, name, None)
        if value:
            return f"{tag} ({value})"
    return tag


def _offset(moment: datetime, origin: datetime) -> str:
    return f"+{(moment - origin).total_seconds():.3f}s"


def render(story: Story) -> Iterator[str]:
    """The story as printable lines."""
    origin = story.created.at
    yield story.title
    yield f"  {'time':>10}  {'event':<34} {'status':<10} next step"
    for line in play(story):
        at = _offset(line.event.at, origin)
        step = describe_step(line.step, origin)
        if line.state.in_flight is not None:
            step = f"await the answer ({step} if none comes)"
        yield f"  {at:>10}  {describe_event(line.event):<34} {line.state.status.value:<10} {step}"
