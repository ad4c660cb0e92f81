"""Headers every answer carries: what a browser may load, frame, sniff and send on.

Set as the answer is prepared (aiohttp's `on_response_prepare`), not in a
middleware: static files and websockets are prepared outside the handler
chain, and error answers made by aiohttp itself pass here too.

The pages load only their own scripts and styles (ES modules, no inline code),
talk to the API and the live websocket of their own origin ('self' covers
ws:/wss: of the same host), show the ticket's QR code and print preview from
the API, and play announcement audio fetched as a blob.
"""
from __future__ import annotations

from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _may_carry_tokens(path: str) -> bool:
    """API answers (session and ticket tokens) and the index (demo device links)."""
    return path == "/" or path.startswith("/api/")


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if _may_carry_tokens(request.path) and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"  # never kept by a browser or a proxy on the way
