"""What the runner itself writes holds no credential (``RequestSent.url``, the url of an answer the adapter could
not translate), and a provider binding never verifies webhooks with an empty or missing secret."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import msgspec
import pytest

from payfold import OutcomeUnknown, RequestSent
from payfold.adapters import tranzzo
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import T0

from ._fakes import PatientClock, ScriptedTranzzo, accepted, created

USER_PASSWORD = "s3cr@t:pass"
BASE = "https://merchant:s3cr%40t%3Apass@tz.example"


def runner_with(script: ScriptedTranzzo, adapter: object = tranzzo) -> Runner:
    credentials = tranzzo.Credentials(
        pos_id="pos", api_key="k", api_secret="s", endpoints_key="e", base_url=BASE + "/base?x-api-key=letmein"
    )
    client = httpx.AsyncClient(transport=httpx.MockTransport(script))
    return Runner(
        MemoryStore(),
        {"tranzzo": Provider(adapter, credentials)},  # type: ignore[arg-type]
        clock=PatientClock(T0, speed=1000.0),
        client=client,
    )


def stored_text(events: Sequence[object]) -> str:
    return b"\n".join(msgspec.json.encode(event) for event in events).decode()


async def test_request_sent_url_keeps_neither_userinfo_nor_secret_query_parameters() -> None:
    runner = runner_with(ScriptedTranzzo(accepted))
    await runner.create(created(1))
    await runner.run()
    events = await runner.store.read("pay-1")
    urls = [event.url for event in events if isinstance(event, RequestSent)]
    assert urls and all("tz.example" in url for url in urls)
    text = stored_text(events)
    for secret in ("s3cr%40t%3Apass", USER_PASSWORD, "letmein"):
        assert secret not in text


class Broken:
    """Tranzzo's module, except that ``translate`` raises: the runner records ``adapter_error``."""

    POLICY = tranzzo.POLICY
    request = staticmethod(tranzzo.request)
    webhook = staticmethod(tranzzo.webhook)

    @staticmethod
    def translate(wire: object) -> object:
        raise RuntimeError("bug")


async def test_an_untranslatable_answer_keeps_a_redacted_url() -> None:
    runner = runner_with(ScriptedTranzzo(accepted), Broken())
    await runner.create(created(1))
    await runner.advance("pay-1")
    events = await runner.store.read("pay-1")
    unknown = [event for event in events if isinstance(event, OutcomeUnknown)]
    assert unknown and unknown[0].cause == "adapter_error" and "tz.example" in unknown[0].wire.url
    assert "letmein" not in stored_text(events) and "s3cr%40t%3Apass" not in stored_text(events)


def test_an_empty_webhook_secret_is_refused_when_the_provider_is_bound() -> None:
    with pytest.raises(ValueError, match="empty secret"):
        Provider(
            tranzzo, tranzzo.Credentials(pos_id="p", api_key="k", api_secret="s", endpoints_key="e"), webhook_secret=""
        )


async def test_a_webhook_without_a_configured_secret_is_refused_and_nothing_is_recorded() -> None:
    runner = runner_with(ScriptedTranzzo(accepted))
    await runner.create(created(1))
    with pytest.raises(ValueError, match="no webhook secret configured for provider 'tranzzo'"):
        await runner.deliver_webhook("pay-1", (), b"data=e30&signature=x")
    assert len(await runner.store.read("pay-1")) == 1
