"""GET /events/stream: Server-Sent Events of the tenant's object and file events.

It runs the GraphQL subscription `events` (the same resolver as over WebSocket), so the stream
and GraphQL can never disagree. Input and scope are checked before the response starts, so they
answer 4xx in the envelope; afterwards every event is written with `id:` (resume with the
`Last-Event-ID` header, or `?last_event_id=`), and a comment line keeps idle connections open.
When the server ends the stream (credentials revoked, consumer too slow) it sends
`event: error` with `{code, message}` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, parse, subscribe, validate
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from strawberry import Schema

from graphql_api.context import build_context
from resolvers import db
from resolvers.errors import DomainError, Unauthorized
from resolvers.events.listen import parse_after
from rest_compat.executor import domain_error

STREAM_PATH = "/events/stream"
STREAM_TYPES = ("object.*", "file.*")
KEEP_ALIVE_SECONDS = 15.0
DOCUMENT = parse(
    """
    subscription EventStream($types: [String!], $after: String) {
      events(types: $types, after: $after) {
        id type object_type_id: objectTypeId object_id: objectId data changed actor created_at: createdAt
      }
    }
    """
)


def stream_routes(schema: Schema, *, keep_alive_seconds: float = KEEP_ALIVE_SECONDS) -> list[Route]:
    errors = validate(schema._schema, DOCUMENT)
    if errors:
        raise RuntimeError(f"the event stream document does not fit the schema: {errors}")

    async def event_stream(request: Request) -> Response:
        context = build_context(request)
        if context.principal is None:
            raise Unauthorized("Authentication required: send Authorization: Bearer <api key or token>")
        after = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
        parse_after(after, field="Last-Event-ID")  # named as the client sent it, not as the GraphQL argument
        variables = {"types": list(STREAM_TYPES), "after": after}
        stream = await subscribe(schema._schema, DOCUMENT, context_value=context, variable_values=variables)
        if isinstance(stream, ExecutionResult):
            raise domain_error(stream.errors[0]) if stream.errors else RuntimeError("no event stream")
        await db.release_held()  # a stream lives long: it must not keep a pooled connection
        return StreamingResponse(
            _sse(stream, keep_alive_seconds),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return [Route(STREAM_PATH, event_stream, methods=["GET"], name=STREAM_PATH)]


async def _sse(stream: AsyncIterator[ExecutionResult], keep_alive_seconds: float) -> AsyncIterator[str]:
    yield "retry: 2000\n: connected\n\n"
    pending: asyncio.Future[ExecutionResult] = asyncio.ensure_future(anext(stream))
    try:
        while True:
            done, _ = await asyncio.wait({pending}, timeout=keep_alive_seconds)
            if not done:
                yield ": keep-alive\n\n"
                continue
            try:
                result = pending.result()
            except StopAsyncIteration:
                return
            except DomainError as error:  # the listener was ended (credentials, slow consumer, shutdown)
                yield _error_frame(error)
                return
            if result.errors:
                yield _error_frame(domain_error(result.errors[0]))
                return
            yield _frame(result.data["events"] if result.data else {})
            pending = asyncio.ensure_future(anext(stream))
    finally:
        pending.cancel()
        with contextlib.suppress(BaseException):
            await pending
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


def _error_frame(error: DomainError) -> str:
    return f"event: error\ndata: {json.dumps({'code': error.code, 'message': error.message})}\n\n"


def _frame(event: dict[str, Any]) -> str:
    return f"id: {event.get('id') or ''}\nevent: {event.get('type')}\ndata: {json.dumps(event, separators=(',', ':'), default=str)}\n\n"
