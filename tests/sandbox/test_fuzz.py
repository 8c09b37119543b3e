"""Any request the sandbox receives gets an HTTP answer below 500 when no fault is planned: never a crash."""

from __future__ import annotations

import asyncio
import json

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from payfold.adapters.sandbox import DEFAULT_BASE_URL, DEFAULT_RAVE, DEFAULT_TRANZZO, FaultPlan, Sandbox
from tests._settings import examples

PATHS = [
    "/api/v1/payment",
    f"/api/v1/pos/{DEFAULT_TRANZZO.pos_id}/orders/o-1",
    "/api/v1/pos/other/orders/o-1",
    "/flwv3-pug/getpaidx/api/tokenized/charge?use_polling=1",
    "/flwv3-pug/getpaidx/api/charge",
    "/flwv3-pug/getpaidx/api/v2/verify",
    "/flwv3-pug/getpaidx/api/ping/abc",
    "/nowhere",
]
AUTH = {
    "x-api-auth": f"CPAY {DEFAULT_TRANZZO.api_key}:{DEFAULT_TRANZZO.api_secret}",
    "x-api-key": DEFAULT_TRANZZO.endpoints_key,
}
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
fields = st.sampled_from(
    ["pos_id", "amount", "currency", "order_id", "mode", "method", "SECKEY", "PBFPubKey", "txRef", "txref", "client"]
)
good = st.fixed_dictionaries(
    {}, optional={"pos_id": st.just(DEFAULT_TRANZZO.pos_id), "SECKEY": st.just(DEFAULT_RAVE.secret_key),
                  "PBFPubKey": st.just(DEFAULT_RAVE.public_key), "currency": st.sampled_from(["UAH", "NGN", "XXX"])},
)  # fmt: skip
bodies = st.one_of(
    st.binary(max_size=64),
    st.builds(lambda a, b: json.dumps({**a, **b}).encode(), st.dictionaries(fields, scalars, max_size=6), good),
)


async def _send(method: str, path: str, body: bytes) -> int:
    sandbox = Sandbox(faults=FaultPlan.none())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url=DEFAULT_BASE_URL) as c:
        response = await c.request(method, path, headers=AUTH, content=body)
        return response.status_code


@settings(max_examples=examples(600))
@given(st.sampled_from(["GET", "POST", "PUT"]), st.sampled_from(PATHS), bodies)
def test_no_request_crashes_the_sandbox(method: str, path: str, body: bytes) -> None:
    assert asyncio.run(_send(method, path, body)) < 500
