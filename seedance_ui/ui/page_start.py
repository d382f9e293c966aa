"""The page starts in the language the visitor chose, not only their browser's.

Gradio 6.31's client takes its locale from ``navigator.language`` once, as it starts, and a few of its own words
(the upload areas' "Drop Image Here", the labels of tabs not opened yet) are drawn in that locale and do not follow a
later ``changeLocale``. So a choice kept from an earlier visit must be known before Gradio starts: this middleware
puts one small script at the top of the page's HTML that reads the choice (a plain language tag in
``localStorage``, written by the Settings switch; nothing secret) and has ``navigator.language`` say it. Without a
kept choice the page follows the browser, untouched.
"""

from __future__ import annotations

from typing import Any

STORAGE_KEY = "seedance-page-language"
EARLY_SCRIPT = (
    "<script>(() => { try { const t = localStorage.getItem('" + STORAGE_KEY + "');"
    " if (t && /^[a-z]{2}(-[A-Z]{2})?$/.test(t)) {"
    " Object.defineProperty(navigator, 'language', {configurable: true, get: () => t});"
    " Object.defineProperty(navigator, 'languages', {configurable: true, get: () => [t]}); } } catch (e) {} })();"
    "</script>"
).encode()


class PageLanguageStart:
    """ASGI middleware: the early script in the page's own HTML (``GET /``), before Gradio's scripts."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") != "/":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            await send_page(start, bytes(body), send)

        await self.app(scope, receive, keep)


async def send_page(start: dict[str, Any], body: bytes, send: Any) -> None:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
    encoded = any(k.lower() == b"content-encoding" for k, v in headers)
    if html and not encoded and b"<head>" in body:
        body = body.replace(b"<head>", b"<head>" + EARLY_SCRIPT, 1)
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
