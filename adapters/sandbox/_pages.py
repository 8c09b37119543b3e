"""Gateway error pages, byte for byte as research/wire-formats.md §3 describes them (nginx, Cloudflare).

nginx: the page from ``ngx_http_special_response.c`` with ``server_tokens off`` (CRLF line endings, footer
``<hr><center>nginx</center>``). Cloudflare 502: the unbranded nginx-style page with a ``cloudflare`` footer,
``server: cloudflare`` and ``cf-ray``. Cloudflare 522: the branded page's markers (``HOST | 522: Connection timed
out`` title, ``cf-error-details``, ``Error code 522``, ``Cloudflare Ray ID:``); the real page is ~7 KB.
"""

from __future__ import annotations

from typing import Final

from payfold.adapters.sandbox._http import Response

_TITLES: Final = {
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


def _nginx_style(status: int, footer: str) -> bytes:
    title = _TITLES[status]
    page = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
    return (page + f"<hr><center>{footer}</center>\r\n</body>\r\n</html>\r\n").encode("ascii")


def nginx(status: int) -> Response:
    """nginx's own 50x page (500, 502, 503 or 504)."""
    return Response(
        status=status, headers=(("content-type", "text/html"), ("server", "nginx")), body=_nginx_style(status, "nginx")
    )


def cloudflare_502(ray: str) -> Response:
    """Cloudflare's unbranded 502 (its edge could not get a valid answer from the origin)."""
    headers = (("content-type", "text/html"), ("server", "cloudflare"), ("cf-ray", f"{ray}-AMS"))
    return Response(status=502, headers=headers, body=_nginx_style(502, "cloudflare"))


def cloudflare_522(host: str, ray: str) -> Response:
    """Cloudflare's branded 522: the origin never answered the connection, so it never saw the request."""
    body = (
        '<!DOCTYPE html>\n<html lang="en-US">\n'
        f"<head><title>{host} | 522: Connection timed out</title></head>\n<body>\n"
        '<div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">\n'
        '<h1><span class="cf-error-type">Connection timed out</span>\n'
        '<span class="cf-error-code">Error code 522</span></h1>\n'
        "<p>The initial connection between Cloudflare's network and the origin web server timed out.</p>\n"
        f"<p>Cloudflare Ray ID: <strong>{ray}</strong></p>\n</div></div>\n</body>\n</html>\n"
    )
    headers = (("content-type", "text/html; charset=UTF-8"), ("server", "cloudflare"), ("cf-ray", f"{ray}-AMS"))
    return Response(status=522, headers=headers, body=body.encode("utf-8"))


def gateway_page(kind: str, *, host: str, ray: str) -> Response:
    """The page for a gateway fault kind (``nginx_502`` ... ``cloudflare_522``)."""
    match kind:
        case "nginx_502" | "nginx_503" | "nginx_504":
            return nginx(int(kind[-3:]))
        case "cloudflare_502":
            return cloudflare_502(ray)
        case "cloudflare_522":
            return cloudflare_522(host, ray)
    raise ValueError(f"not a gateway fault kind: {kind!r}")
