"""What answers when the provider's own JSON does not: nginx, Cloudflare and AWS ALB pages, empty bodies.

Written from shared/research/wire-formats.md §3 (nginx's ngx_http_special_response.c page and footer, Cloudflare's
unbranded and branded 52x pages and ``cf-ray`` / ``cf-error-type`` headers, ALB's ``server: awselb/2.0``).
Every one of them is ambiguous on a charge and a failed requery on a status call.
"""

from __future__ import annotations

from typing import Final

from tests.stories._machine import HTML, Answer, Sample


def nginx_page(status: int, title: str, footer: str = "nginx") -> bytes:
    """nginx's own error page (CRLF line ends, the footer names the server)."""
    return (
        f"<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {title}</h1></center>\r\n<hr><center>{footer}</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


def cloudflare_branded(status: int, title: str) -> bytes:
    """The markers of Cloudflare's branded 52x page (title with the code, ``cf-error-details``, the Ray ID)."""
    return (
        f'<!DOCTYPE html>\n<html lang="en-US"><head><title>api.provider.test | {status}: {title}</title></head>\n'
        f'<body><div id="cf-error-details" class="cf-error-details-wrapper"><h1>{title}</h1>'
        f'<span class="code-label">Error code {status}</span>'
        "<p>Cloudflare Ray ID: <strong>8b1c2d3e4f5a6b7c</strong></p></div></body></html>\n"
    ).encode()


_CF: Final = (
    ("content-type", "text/html; charset=UTF-8"),
    ("server", "cloudflare"),
    ("cf-ray", "8b1c2d3e4f5a6b7c-LHR"),
)
_CF_OWN: Final = (*_CF, ("cf-error-type", "52x"))
_ALB: Final = (("content-type", "text/html"), ("server", "awselb/2.0"))
_NGINX: Final = (("content-type", "text/html"), ("server", "nginx/1.16.1"))
_ALB_504: Final = (
    b'<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body bgcolor="white">\r\n'
    b"<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)


GATEWAY: Final = (
    Sample("nginx 502", lambda f: Answer(status=502, body=nginx_page(502, "Bad Gateway"), headers=HTML)),
    Sample(
        "nginx 503 1.16.1",
        lambda f: Answer(
            status=503, body=nginx_page(503, "Service Temporarily Unavailable", "nginx/1.16.1"), headers=_NGINX
        ),
    ),
    Sample("nginx 504", lambda f: Answer(status=504, body=nginx_page(504, "Gateway Time-out"), headers=HTML)),
    Sample(
        "cloudflare 502 unbranded",
        lambda f: Answer(status=502, body=nginx_page(502, "Bad Gateway", "cloudflare"), headers=_CF),
    ),
    Sample(
        "cloudflare 522",
        lambda f: Answer(status=522, body=cloudflare_branded(522, "Connection timed out"), headers=_CF_OWN),
    ),
    Sample(
        "cloudflare 524",
        lambda f: Answer(status=524, body=cloudflare_branded(524, "A timeout occurred"), headers=_CF_OWN),
    ),
    Sample("alb 504", lambda f: Answer(status=504, body=_ALB_504, headers=_ALB)),
    Sample("alb 502 empty", lambda f: Answer(status=502, body=b"", headers=(("server", "awselb/2.0"),))),
    Sample("200 empty body", lambda f: Answer(status=200, body=b"", headers=())),
    Sample("200 html", lambda f: Answer(status=200, body=b"<html><body>Please wait</body></html>", headers=HTML)),
)
