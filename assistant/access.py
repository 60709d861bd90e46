"""Who may call the server (`assistant ui`), and how large a request may be, checked before any route runs.

The REST API (/v1 and its /openapi.json) asks for `Authorization: Bearer <key>` (the `api.key`
setting, or the UI password when no key is set) or the UI's sign-in cookie, whenever either is
configured; without them it answers 401 in the OpenAI error shape and never runs the route.
With `ui.username`/`ui.password` set, every other route asks for the sign-in too, except the
sign-in page itself and what it loads (its scripts, style sheets and icons): Gradio guards only
some of its routes, and answered others (cancel, reset, heartbeat, app_id, startup-events, its
own /openapi.json, ...) to anyone.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from assistant.settings import Settings

API_PATHS = ("/v1/", "/openapi.json")
# What the sign-in page needs before anyone has signed in (what chromium fetches to show it): the page,
# the sign-in form's target, and Gradio's scripts, style sheets and icon (the same for every app).
SIGN_IN_PAGE = {("GET", "/"), ("POST", "/login"), ("POST", "/login/")}
SIGN_IN_ASSETS = ("/assets/", "/static/")
SIGN_IN_FILES = {"/theme.css", "/favicon.ico"}


def is_sign_in_page(method: str, path: str) -> bool:
    if method == "HEAD":
        method = "GET"
    if (method, path) in SIGN_IN_PAGE:
        return True
    return method == "GET" and (path in SIGN_IN_FILES or path.startswith(SIGN_IN_ASSETS))


def is_api(path: str) -> bool:
    return path.startswith(API_PATHS[0]) or path == API_PATHS[0].rstrip("/") or path == API_PATHS[1]


def api_keys(settings: Settings) -> list[str]:
    """The bearer keys the REST API accepts: api.key, else the UI password, else none (open)."""
    if settings.api.key is not None and settings.api.key.get_secret_value():
        return [settings.api.key.get_secret_value()]
    if settings.ui.username and settings.ui.password:
        return [settings.ui.password.get_secret_value()]
    return []


def openai_error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}},
                        status_code=status)


class SignInRequired:
    """ASGI middleware: refuses API requests without the key or the UI sign-in, and, when the UI has a
    sign-in, every other request but the sign-in page's without it.

    `signed_in(scope)` says whether the request carries a valid UI sign-in cookie (the Gradio
    app's own sessions); it is given once the Gradio app is mounted."""

    def __init__(self, app: ASGIApp, settings: Settings, signed_in):
        self.app = app
        self.keys = [key.encode() for key in api_keys(settings)]
        self.ui_sign_in = bool(settings.ui.username and settings.ui.password)
        self.signed_in = signed_in

    def bearer_ok(self, scope: Scope) -> bool:
        headers = dict(scope.get("headers") or [])
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        return scheme.lower() == "bearer" and any(hmac.compare_digest(token.strip().encode(), k) for k in self.keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if is_api(path):
            if self.keys and not (self.bearer_ok(scope) or self.signed_in(scope)):
                response = openai_error(
                    401, "Missing or wrong API key: send `Authorization: Bearer <key>` (the api.key setting, "
                    "ASSISTANT_API__KEY) or sign in to the UI first.", "invalid_api_key")
                await response(scope, receive, send)
                return
        elif self.ui_sign_in and not self.signed_in(scope):
            if scope["type"] == "websocket":
                await WebSocketClose(code=1008)(scope, receive, send)  # policy violation: not signed in
                return
            if not is_sign_in_page(scope["method"], path):
                await JSONResponse({"detail": "Not authenticated: sign in first."}, status_code=401)(
                    scope, receive, send)
                return
        await self.app(scope, receive, send)


def gradio_sign_in(gradio_app) -> Callable[[Scope], bool]:
    """Whether a request carries a sign-in cookie of the mounted Gradio app (its /login sets one)."""
    from starlette.requests import HTTPConnection

    def signed_in(scope: Scope) -> bool:
        cookies = HTTPConnection(scope).cookies
        token = cookies.get(f"access-token-{gradio_app.cookie_id}") or cookies.get(
            f"access-token-unsecure-{gradio_app.cookie_id}")
        return token is not None and token in gradio_app.tokens

    return signed_in


UPLOAD_PATH = "/gradio_api/upload"
UPLOAD_FILES = 20  # files of the largest allowed size one upload request may carry (the page sends them together)


def too_large(path: str, limit: int):
    message = f"The request body is larger than the server accepts ({limit / 1_000_000:g} MB)."
    if is_api(path):
        return openai_error(413, message, "request_too_large")
    return PlainTextResponse(message + "\n", status_code=413)


class BodySizeLimit:
    """ASGI middleware: a request body over the limit is answered with 413 before the route has read it.

    A declared Content-Length over the limit is refused at once. A body sent without one (chunked) is
    counted as it arrives; past the limit the client gets the 413 and the route sees the client gone.
    Uploads (Gradio's upload route, which streams files to disk and checks each file against
    ui.max_upload_mb itself) may carry several files of that size; every other body is small JSON or
    form data, held in memory whole, so `max_bytes` (ui.max_request_mb) bounds it.

    Not Starlette's RequestBodyLimitMiddleware: it fails the route's own read of the body, so each app
    behind it (FastAPI's /v1, the mounted Gradio app) renders the 413 its own way, and /v1 owes its
    clients the OpenAI error shape. Here the 413 is answered before the route runs or as it reads."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int):
        self.app = app
        self.max_bytes, self.max_upload_bytes = max_bytes, max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.max_upload_bytes if path.rstrip("/") == UPLOAD_PATH else self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(path, limit)(scope, receive, send)
            return

        received, refused, started = 0, False, False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await too_large(path, limit)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def sent(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 has gone out; whatever the route answers after it is dropped
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, sent)
