"""The GraphQL endpoint: HTTP POST, and WebSocket with graphql-transport-ws only."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult, GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from cross_web import HTTPException as StrawberryHTTPException
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from graphql_api import json_body
from graphql_api.auth import authenticate_token, bearer_token
from graphql_api.context import Context, build_context, request_id_of
from graphql_api.errors import render_error
from graphql_api.websocket import DirectTransportWSHandler, OrderedWebSocket, next_frame
from schema.extensions import shape_error
from models import jsoncodec
from schema.operations import execute_document, ready_operation
from resolvers.errors import DomainError, InvalidJson, MethodNotAllowed, RouteNotFound, ValidationError


PLAIN_REQUEST_KEYS = frozenset({"query", "variables", "operationName"})
MAX_SUBSCRIPTIONS_PER_CONNECTION = 20  # like the channels of /v1/realtime
ENCODED_RESULTS = 256  # recent subscription results kept encoded (each entry holds its data)


class BasaltGraphQL(GraphQL):
    graphql_transport_ws_handler_class = DirectTransportWSHandler
    websocket_adapter_class = OrderedWebSocket  # type: ignore[assignment]

    def __init__(self, schema: Any, *, development: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if development else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            keep_alive=True,
            keep_alive_interval=15,
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
        )
        self._encoded: OrderedDict[int, tuple[Any, str]] = OrderedDict()

    def encode_json(self, data: object) -> str | bytes:
        """A subscription's `next` message: identical subscriptions share one result per event
        (schema/execution.py), so its data is encoded once, not once per subscriber."""
        if type(data) is dict and data.get("type") == "next" and len(data) == 3:
            payload = data.get("payload")
            if type(payload) is dict and len(payload) == 1 and "data" in payload:
                return next_frame(data["id"], self.encoded_data(payload["data"]))
        return json_body.encode_text(data)  # text: WebSocket messages must go out as text frames

    def encoded_data(self, data: Any) -> str:
        """A result's data as JSON, encoded once however many subscribers it goes to."""
        found = self._encoded.get(id(data))
        if found is not None and found[0] is data:
            return found[1]
        text = json_body.encode_text(data)
        self._encoded[id(data)] = (data, text)
        if len(self._encoded) > ENCODED_RESULTS:
            self._encoded.popitem(last=False)
        return text

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self._answer_plain_post(request) or await self.run(request)
        except StrawberryHTTPException as exc:
            response = render_error(request, _as_domain_error(exc))
        await response(scope, receive, send)

    async def _answer_plain_post(self, request: Request) -> Response | None:
        """A plain JSON POST of a query or mutation that is already parsed and validated (cached):
        executed directly (`schema/operations.py`), answered exactly as `run` would. Anything else
        (errors before execution, subscriptions, batches, uploads, streaming) returns None for
        Strawberry's own pipeline."""
        if request.method != "POST" or _media_type(request.headers.get("content-type", "")) != "application/json":
            return None
        if self._stream_transport_map and self._get_stream_transport_from_headers(request.headers) is not None:
            return None  # a streaming transport's (none is configured: the lookup read every header for nothing)
        try:
            data = jsoncodec.loads_standard(await request.body())  # what json.loads reads, by orjson when that is the same
        except ValueError:
            return None
        if type(data) is not dict or not data.keys() <= PLAIN_REQUEST_KEYS:
            return None
        query, variables, operation_name = data.get("query"), data.get("variables"), data.get("operationName")
        if type(query) is not str or (variables is not None and type(variables) is not dict):
            return None
        if operation_name is not None and type(operation_name) is not str:
            return None
        ready = ready_operation(self.schema.limits, self.schema, query, operation_name)
        if ready is None:
            return None
        try:
            result = await execute_document(self.schema, ready[0], variables=variables, operation_name=operation_name, context=build_context(request))
        except Exception as exc:  # outside any field (a failed commit): an error in the answer, as Strawberry's `execute` gives
            result = GraphQLExecutionResult(data=None, errors=[exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)])
        if result.errors:
            self.schema.process_errors(result.errors)
        answer = await self.process_result(request, ExecutionResult(data=result.data, errors=result.errors))
        return Response(json_body.encode(answer), media_type="application/json")

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:  # type: ignore[override]
        return build_context(request)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:  # type: ignore[override]
        if result.errors:  # parse errors are reported before the schema extensions run
            result.errors = [shape_error(e) for e in result.errors]
        data = await super().process_result(request, result)
        data["extensions"] = {**(data.get("extensions") or {}), "request_id": request_id_of(request)}
        return data

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:  # type: ignore[override]
        """Authenticate `connection_init` ({"authorization": "Bearer …"}); refuse with 4403 otherwise."""
        params = context.connection_params or {}
        header = params.get("authorization") or params.get("Authorization")
        if context.principal is None and isinstance(header, str):
            try:
                context.principal = await authenticate_token(
                    bearer_token(header), client_ip=context.client_ip, runtime=context.runtime
                )
            except DomainError as error:
                raise ConnectionRejectionError({"code": error.code, "message": error.message}) from None
        if context.principal is None:
            raise ConnectionRejectionError({"code": "UNAUTHORIZED", "message": "connection_init needs authorization"})
        return None


def _media_type(content_type: str) -> str:
    """`application/json` of `application/json; charset=utf-8`; anything unusual is left to
    Strawberry's own parsing (it takes the slow path)."""
    return content_type.split(";", 1)[0].strip().lower()


def _as_domain_error(exc: StrawberryHTTPException) -> DomainError:
    if exc.status_code == 405:
        return MethodNotAllowed(["POST"])
    if exc.status_code == 404:
        return RouteNotFound("GraphiQL is only served in development; POST your queries to /graphql")
    if "JSON" in exc.reason:
        return InvalidJson()
    return ValidationError.single("request", exc.reason)

