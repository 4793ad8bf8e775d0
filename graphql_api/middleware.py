"""Pure ASGI middleware: request ids, the current runtime, and body limits enforced while the body streams in."""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphql_api.errors import render_error
from resolvers.audit import schemas as audit
from resolvers.db import held_connection
from resolvers.errors import PayloadTooLarge
from resolvers.hooks import emitter as hooks
from resolvers.runtime import Runtime

SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")


def header(scope: Scope, name: bytes) -> str | None:
    """One request header by its lower-case name, read from the scope as Starlette's `Headers`
    reads it, without building a connection and a headers object in every middleware."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed incoming one) and echo it in X-Request-Id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = header(scope, b"x-request-id") or ""
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        facts = audit.REQUEST.set(audit.RequestFacts(ip=client[0] if client else None, request_id=request_id))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        try:  # a WebSocket's frames skip the wrapper: only an HTTP answer carries the header
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            audit.REQUEST.reset(facts)


class CurrentRuntimeMiddleware:
    """Makes the app's runtime current for the request, so services that fire hooks find the
    sandbox and the hook registry (see resolvers/hooks/emitter.py)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hooks.use(self.runtime)
        await self.app(scope, receive, send)


class HeldConnectionMiddleware:
    """An HTTP request's reads share one pooled database connection (`resolvers.db`); WebSockets
    live too long to hold one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with held_connection():
            await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """413 as soon as the declared or streamed size passes the limit; the rest is never read."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, per_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.per_path = per_path or {}  # e.g. bulk import takes larger bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.max_body_bytes)
        declared = header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            response = render_error(HTTPConnection(scope), _too_large(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, limited_receive, send)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body exceeds the {limit} byte limit", details={"max_bytes": limit})
