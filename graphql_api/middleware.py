"""Pure ASGI middleware: request ids, the current runtime, the held connection, and body limits enforced while the body streams in."""

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


class RequestMiddleware:
    """What every request gets before authentication and routing, in one layer (as four, each
    cost a call, a coroutine and, for two of them, a wrapped `receive` or `send` per request):

    - an id (a well-formed incoming X-Request-Id is kept), echoed in the X-Request-Id header,
      and the audit log's facts about the request;
    - the app's runtime made current, so services that fire hooks find the sandbox and the hook
      registry (see resolvers/hooks/emitter.py);
    - for HTTP, one pooled database connection shared by the request's reads (`resolvers.db`;
      WebSockets live too long to hold one);
    - for HTTP, 413 as soon as the declared or streamed size passes the limit: the rest is never
      read (the streamed size is counted even with a declared one, whatever the server allows).
    """

    def __init__(self, app: ASGIApp, runtime: Runtime, max_body_bytes: int, per_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.runtime = runtime
        self.max_body_bytes = max_body_bytes
        self.per_path = per_path or {}  # e.g. bulk import takes larger bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hooks.use(self.runtime)
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        incoming = header(scope, b"x-request-id") or ""
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        facts = audit.REQUEST.set(audit.RequestFacts(ip=client[0] if client else None, request_id=request_id))
        try:
            if kind == "websocket":  # its frames skip the wrapper: only an HTTP answer carries the header
                await self.app(scope, receive, send)
            else:
                await self._http(scope, receive, _with_request_id(send, request_id))
        finally:
            audit.REQUEST.reset(facts)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.per_path.get(scope["path"], self.max_body_bytes)
        declared = header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await render_error(HTTPConnection(scope), _too_large(limit))(scope, receive, send)
            return
        async with held_connection():
            await self.app(scope, _limited(receive, limit), send)


def _with_request_id(send: Send, request_id: str) -> Send:
    async def send_with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message)["X-Request-Id"] = request_id
        await send(message)

    return send_with_id


def _limited(receive: Receive, limit: int) -> Receive:
    received = 0

    async def limited_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _too_large(limit)
        return message

    return limited_receive


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body exceeds the {limit} byte limit", details={"max_bytes": limit})
