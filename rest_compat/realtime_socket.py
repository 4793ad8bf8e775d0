"""GET /v1/realtime?token=…&tenant_id=…: a WebSocket with channels, for clients that want
plain JSON messages instead of a GraphQL subscription protocol.

Channels: `objects:<type_id>` (object events of one type), `files`, `files:<folder>`. Each
channel runs a GraphQL subscription (objectEvents / fileEvents), so this socket, SSE and
graphql-transport-ws deliver the same events. Messages:

    client: {"type": "subscribe", "channel": "objects:ot_…", "after": "41"?} | {"type": "unsubscribe", "channel": …} | {"type": "ping"}
    server: {"type": "connected", …} | {"type": "subscribed", "channel"} | {"type": "unsubscribed", "channel"}
            {"type": "event", "channel", "event": {id, type, object_type_id, object_id, data, changed, actor, created_at}}
            {"type": "error", "channel"?, "code", "message"} | {"type": "pong"}

An error about the connection as a whole has no `channel` and is followed by the close.
Close codes: 4401 bad, revoked or expired credentials (checked even with no channel open); 4403 wrong tenant or missing `read`
scope; 4008 a consumer too slow to keep up; 1001 server shutdown. A plain HTTP GET gets 426.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from graphql import DocumentNode, ExecutionResult, parse, subscribe, validate
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry import Schema

from graphql_api.auth import authenticate_token
from graphql_api.context import Context, request_id_of
from graphql_api.errors import render_error
from resolvers.authz import has_scope
from resolvers.errors import DomainError, UpgradeRequired
from resolvers.events.hub import Listener
from resolvers.principal import Principal
from rest_compat.executor import domain_error

REALTIME_PATH = "/v1/realtime"
MAX_CHANNELS = 20
CHANNEL = re.compile(r"^(objects:[a-z]{1,10}_[a-z0-9]{4,40}|files|files:[^\x00-\x1f]{1,500})$")
CLOSE_CODES = {"CREDENTIALS_ENDED": 4401, "SLOW_CONSUMER": 4008, "SERVER_SHUTDOWN": 1001}
EVENT_FIELDS = "id type object_type_id: objectTypeId object_id: objectId data changed actor created_at: createdAt"
OBJECTS = parse(f"subscription($type: ID, $after: String) {{ stream: objectEvents(objectTypeId: $type, after: $after) {{ {EVENT_FIELDS} }} }}")
FILES = parse(f"subscription($folder: String, $after: String) {{ stream: fileEvents(folder: $folder, after: $after) {{ {EVENT_FIELDS} }} }}")


def realtime_routes(schema: Schema) -> list[BaseRoute]:
    for document in (OBJECTS, FILES):
        errors = validate(schema._schema, document)
        if errors:
            raise RuntimeError(f"the realtime documents do not fit the schema: {errors}")

    async def not_an_upgrade(request: Request) -> Response:
        return render_error(request, UpgradeRequired())

    async def socket(websocket: WebSocket) -> None:
        await RealtimeSession(schema, websocket).run()

    return [Route(REALTIME_PATH, not_an_upgrade, methods=["GET"]), WebSocketRoute(REALTIME_PATH, socket)]


class RealtimeSession:
    def __init__(self, schema: Schema, websocket: WebSocket) -> None:
        self.schema = schema
        self.websocket = websocket
        self.runtime = websocket.app.state.runtime
        self.channels: dict[str, asyncio.Task[None]] = {}
        self.send_lock = asyncio.Lock()
        self.principal: Principal | None = None
        self.closing = False

    async def run(self) -> None:
        await self.websocket.accept()
        principal = await self._authenticate()
        if principal is None:
            return
        self.principal = principal
        presence = self.runtime.realtime.presence
        await presence.connected(principal.tenant_id, 1)
        # A listener that accepts no event: the hub's credential check ends it, and with it the
        # socket, even while no channel is subscribed.
        watch = await self.runtime.realtime.listen(principal, lambda _event: False)
        watchdog = asyncio.create_task(self._watch(watch))
        try:
            with contextlib.suppress(WebSocketDisconnect):  # the client left: clean up below
                await self._send({"type": "connected", "tenant_id": principal.tenant_id, "max_channels": MAX_CHANNELS})
                await self._receive_loop()
        finally:
            watchdog.cancel()
            self.runtime.realtime.leave(watch)
            for channel in list(self.channels):
                await self._stop(channel)
            await presence.connected(principal.tenant_id, -1)

    async def _watch(self, watch: Listener) -> None:
        """Wait for the hub to end the watch listener (it never yields an event)."""
        try:
            await anext(watch.events())
        except DomainError as error:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self._ended(None, error)

    async def _authenticate(self) -> Principal | None:
        params = self.websocket.query_params
        token, tenant_id = params.get("token"), params.get("tenant_id")
        if not token or not tenant_id:
            await self.websocket.close(4401, "token and tenant_id query parameters are required")
            return None
        client = self.websocket.client
        try:
            principal = await authenticate_token(token, client_ip=client.host if client else None, runtime=self.runtime)
        except DomainError as error:
            await self.websocket.close(4401, error.message[:120])
            return None
        if principal.tenant_id != tenant_id:
            await self.websocket.close(4403, "tenant_id does not match the token")
            return None
        if not has_scope(principal, "read"):
            await self.websocket.close(4403, "realtime needs the 'read' scope")
            return None
        return principal

    async def _receive_loop(self) -> None:
        while True:
            raw = await self.websocket.receive_text()
            try:
                message = json.loads(raw)
            except json.JSONDecodeError:
                await self._error("INVALID_JSON", "messages must be JSON objects")
                continue
            kind = message.get("type") if isinstance(message, dict) else None
            channel = message.get("channel") if isinstance(message, dict) else None
            if kind == "ping":
                await self._send({"type": "pong"})
            elif kind == "subscribe":
                await self._subscribe(channel, message.get("after"))
            elif kind == "unsubscribe":
                if isinstance(channel, str) and channel in self.channels:
                    await self._stop(channel)
                await self._send({"type": "unsubscribed", "channel": channel})
            else:
                await self._error("VALIDATION_ERROR", "type must be subscribe, unsubscribe or ping")

    async def _subscribe(self, channel: Any, after: Any) -> None:
        if not isinstance(channel, str) or not CHANNEL.match(channel):
            await self._error("VALIDATION_ERROR", "channel must be objects:<type_id>, files or files:<folder>", channel)
            return
        if channel in self.channels:
            await self._send({"type": "subscribed", "channel": channel})
            return
        if len(self.channels) >= MAX_CHANNELS:
            await self._error("CHANNEL_LIMIT", f"a connection may subscribe to at most {MAX_CHANNELS} channels", channel)
            return
        stream = await self._open(channel, after)
        if isinstance(stream, DomainError):
            await self._error(stream.code, stream.message, channel)
            return
        assert self.principal is not None
        await self.runtime.realtime.presence.joined(self.principal.tenant_id, channel, 1)
        self.channels[channel] = asyncio.create_task(self._pump(channel, stream))
        await self._send({"type": "subscribed", "channel": channel})

    async def _open(self, channel: str, after: Any) -> AsyncIterator[ExecutionResult] | DomainError:
        name, _, argument = channel.partition(":")
        document: DocumentNode = OBJECTS if name == "objects" else FILES
        variables = {"type": argument} if name == "objects" else {"folder": argument or None}
        variables["after"] = None if after is None else str(after)
        context = Context(
            connection=self.websocket,
            runtime=self.runtime,
            principal=self.principal,
            request_id=request_id_of(self.websocket),
            client_ip=self.websocket.client.host if self.websocket.client else None,
        )
        stream = await subscribe(self.schema._schema, document, context_value=context, variable_values=variables)
        if isinstance(stream, ExecutionResult):
            return domain_error(stream.errors[0]) if stream.errors else DomainError()
        return stream

    async def _pump(self, channel: str, stream: AsyncIterator[ExecutionResult]) -> None:
        try:
            async for result in stream:
                if result.errors:
                    await self._ended(channel, domain_error(result.errors[0]))
                    return
                await self._send({"type": "event", "channel": channel, "event": (result.data or {}).get("stream")})
        except DomainError as error:  # the hub ended the listener
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self._ended(channel, error)
        except (WebSocketDisconnect, RuntimeError):
            return  # the socket went away; the session's finally block cleans up
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    async def _ended(self, channel: str | None, error: DomainError) -> None:
        """The hub ended a listener. About the connection as a whole (credentials, a slow
        consumer, shutdown): one error without a channel, then the close. Otherwise: an error
        for that channel."""
        code = CLOSE_CODES.get(error.code)
        if code is None:
            await self._error(error.code, error.message, channel)
            return
        if self.closing:
            return
        self.closing = True
        await self._error(error.code, error.message)
        with contextlib.suppress(Exception):
            await self.websocket.close(code, error.message[:120])

    async def _stop(self, channel: str) -> None:
        task = self.channels.pop(channel)
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        assert self.principal is not None
        await self.runtime.realtime.presence.joined(self.principal.tenant_id, channel, -1)

    async def _error(self, code: str, message: str, channel: Any = None) -> None:
        body: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if channel is not None:
            body["channel"] = channel
        await self._send(body)

    async def _send(self, message: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.websocket.send_text(json.dumps(message, separators=(",", ":"), default=str))
