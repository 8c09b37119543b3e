"""The shared gateway recognizer: every non-JSON answer gets a cause word, JSON gets None."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfold.adapters.wire.gateway import origin_never_reached, parse_json, recognize
from tests._settings import examples

CRLF = "\r\n"


def nginx_page(status: str, footer: str = "nginx", bgcolor: bool = False) -> bytes:
    body = '<body bgcolor="white">' if bgcolor else "<body>"
    lines = [
        "<html>",
        f"<head><title>{status}</title></head>",
        body,
        f"<center><h1>{status}</h1></center>",
        f"<hr><center>{footer}</center>",
        "</body>",
        "</html>",
        "",
    ]
    return CRLF.join(lines).encode()


ALB_504 = CRLF.join(
    [
        "<html>",
        "<head><title>504 Gateway Time-out</title></head>",
        '<body bgcolor="white">',
        "<center><h1>504 Gateway Time-out</h1></center>",
        "</body>",
        "</html>",
        "",
    ]
).encode()
BRANDED_522 = (
    b"<!DOCTYPE html><html><head><title>pay.example | 522: Connection timed out</title></head>"
    b'<body><div id="cf-error-details"><span class="cf-error-code">Error code 522</span>'
    b"<p>Cloudflare Ray ID: <strong>8a1b2c3d4e5f6a7b</strong></p></div></body></html>"
)
HTML = (("content-type", "text/html"),)
CF = (("server", "cloudflare"), ("cf-ray", "8a1b2c3d4e5f6a7b-AMS"), ("content-type", "text/html"))


@pytest.mark.parametrize(
    ("status", "headers", "body", "cause"),
    [
        (502, HTML, nginx_page("502 Bad Gateway"), "nginx"),
        (503, HTML, nginx_page("503 Service Temporarily Unavailable", "nginx/1.16.1"), "nginx"),
        (504, (), nginx_page("504 Gateway Time-out", "nginx/1.31.5 (build)"), "nginx"),
        (502, (("server", "nginx/1.25.3"),), b"<html><body>Bad gateway</body></html>", "nginx"),
        (502, CF, nginx_page("502 Bad Gateway", "cloudflare"), "cloudflare"),
        (502, (), nginx_page("502 Bad Gateway", "cloudflare"), "cloudflare"),
        (522, (), BRANDED_522, "cloudflare"),
        (520, (("cf-error-type", "520"),), b"", "cloudflare"),
        (500, (("cf-ray", "1-AMS"),), b"<html><p>oops</p></html>", "cloudflare"),
        (504, (("server", "awselb/2.0"), *HTML), ALB_504, "awselb"),
        (502, (("server", "awselb/2.0"),), b"", "awselb"),
        (502, (), b"", "empty"),
        (200, (), b" \r\n\t", "empty"),
        (500, HTML, b"<h1>Internal error</h1>", "html"),
        (500, (), b"<!doctype html><p>down</p>", "html"),
        (200, (), b"OK", "unreadable"),
        (200, (), b'{"status": "success"', "unreadable"),
        (200, (), b"\xff\xfe{}", "unreadable"),
        (200, (), b"null", "unreadable"),
    ],
)
def test_non_json_answers_get_their_cause(
    status: int, headers: tuple[tuple[str, str], ...], body: bytes, cause: str
) -> None:
    assert recognize(status, headers, body) == cause


@pytest.mark.parametrize("body", [b'{"status":"success"}', b"[]", b'"text"', b"42", b' {"a": 1}\n'])
def test_json_is_the_providers_own_answer(body: bytes) -> None:
    assert recognize(502, CF, body) is None
    assert parse_json(body) is not None


def test_header_names_match_without_regard_to_case() -> None:
    assert recognize(504, (("Server", "awselb/2.0"),), ALB_504) == "awselb"


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (522, CF, BRANDED_522, True),
        (521, (("cf-error-type", "521"),), b"", True),
        (523, (), BRANDED_522, True),
        (520, CF, BRANDED_522, False),
        (524, CF, BRANDED_522, False),
        (502, CF, nginx_page("502 Bad Gateway", "cloudflare"), False),
        (522, (), b'{"error": "timeout"}', False),
        (None, (), b"", False),
    ],
)
def test_only_cloudflare_521_to_523_never_reached_the_origin(
    status: int | None, headers: tuple[tuple[str, str], ...], body: bytes, expected: bool
) -> None:
    assert origin_never_reached(status, headers, body) is expected


@settings(max_examples=examples(2_000))
@given(
    st.one_of(st.none(), st.integers(100, 599)),
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=30)), max_size=4).map(tuple),
    st.binary(max_size=300),
)
def test_recognizer_never_raises(status: int | None, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
    cause = recognize(status, headers, body)
    assert (cause is None) == (parse_json(body) is not None)
    assert cause in (None, "nginx", "cloudflare", "awselb", "html", "empty", "unreadable")
    assert isinstance(origin_never_reached(status, headers, body), bool)
