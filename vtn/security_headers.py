"""Response headers that keep browsers and caches from misusing API responses (OWASP REST Security Cheat Sheet).

The VTN serves JSON to machines, never pages to a browser: nothing may be framed, sniffed as another type,
cached by an intermediary (responses carry one client's objects and tokens), or leak a Referer. HSTS is sent
only on connections that came over TLS, where it means something.
"""

from __future__ import annotations

from flask import Flask, request

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def register(app: Flask) -> None:
    """Add the headers to every response, errors included, keeping any a view set itself."""

    @app.after_request
    def _secure(response):
        headers = response.headers
        for name, value in ALWAYS.items():
            if name not in headers:
                headers[name] = value
        if request.is_secure:
            headers[HSTS[0]] = HSTS[1]
        return response
