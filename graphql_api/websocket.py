"""graphql-transport-ws with direct delivery: a subscription's `next` frames written by the hub.

Strawberry's handler and WebSocket adapter, with two additions:
- every operation starts with a `DirectDelivery` (schema/direct_delivery.py) whose writer
  encodes a `next` frame and offers it to the socket at once;
- the adapter writes an offered frame in the caller's own step, without a task or an await,
  unless an earlier frame is still waiting for the socket (then the offer is refused and the
  event takes the regular path). Every other message and the close wait for a frame still in
  flight, so frames leave in the order they were given.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Mapping
from typing import Any

from starlette.websockets import WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation

from schema import direct_delivery


def start_eagerly(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """Run `coro` now, in the caller's step, up to its first suspension (Python 3.12's eager
    tasks, for 3.11): None if it finished without one, which a socket send does unless the
    client stopped reading; otherwise a task that carries it on from there. An exception raised
    before that reaches the caller."""
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    task = asyncio.ensure_future(_carry_on(coro, yielded))
    task.add_done_callback(lambda _task: coro.close())  # cancelled before its first step, too
    return task


async def _carry_on(coro: Coroutine[Any, Any, Any], yielded: Any) -> Any:
    """Drive a coroutine that suspended outside a task, as a task would: wait for the future it
    yielded, resume it, repeat; a cancellation is thrown into it."""
    while True:
        try:
            if yielded is None:
                await asyncio.sleep(0)
            else:
                await asyncio.wait((yielded,))
        except BaseException as exc:
            try:
                yielded = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
            continue
        try:
            yielded = coro.send(None)
        except StopIteration as stop:
            return stop.value


class OrderedWebSocket(ASGIWebSocketAdapter):
    """Strawberry's adapter plus `offer_text`, with one frame at most waiting for the socket."""

    def __init__(self, view: Any, request: Any, response: Any) -> None:
        super().__init__(view, request, response)
        self._in_flight: asyncio.Task[Any] | None = None

    def offer_text(self, text: str) -> bool:
        """Write a text frame now; False when it cannot go out at once in order."""
        if self._busy() or self.ws.application_state is not WebSocketState.CONNECTED:
            return False
        try:
            task = start_eagerly(self.ws.send({"type": "websocket.send", "text": text}))
        except Exception:  # the client is gone: the operation's regular path will find out
            return False
        if task is not None:
            task.add_done_callback(_retrieve)
            self._in_flight = task
        return True

    def _busy(self) -> bool:
        return self._in_flight is not None and not self._in_flight.done()

    async def _after_in_flight(self) -> None:
        while self._busy():
            assert self._in_flight is not None
            await asyncio.wait((self._in_flight,))

    async def send_json(self, message: Mapping[str, object]) -> None:
        await self._after_in_flight()
        await super().send_json(message)

    async def close(self, code: int, reason: str) -> None:
        await self._after_in_flight()
        await super().close(code, reason)


def _retrieve(task: asyncio.Task[Any]) -> None:
    """A frame that failed after waiting: the socket is gone, which the next send reports."""
    if not task.cancelled():
        task.exception()


def next_frame(operation_id: str, encoded_data: str) -> str:
    """A `next` message whose payload is data only, as `send_next` would have it encoded."""
    return f'{{"id":{json.dumps(operation_id)},"type":"next","payload":{{"data":{encoded_data}}}}}'


class _NextFrames:
    """Writes one operation's results as `next` frames on its connection's socket."""

    def __init__(self, handler: DirectTransportWSHandler, websocket: OrderedWebSocket, operation: Operation[Any, Any]) -> None:
        self.handler = handler
        self.websocket = websocket
        self.operation = operation

    def write_data(self, data: Any) -> bool:
        operation = self.operation
        if operation.completed or self.handler.operations.get(operation.id) is not operation:
            return False
        return self.websocket.offer_text(next_frame(operation.id, self.handler.view.encoded_data(data)))


class DirectTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        # The operation's own task: the delivery is seen by its executor and resolver only.
        if isinstance(self.websocket, OrderedWebSocket):
            frames = _NextFrames(self, self.websocket, operation)
            direct_delivery.CURRENT.set(direct_delivery.DirectDelivery(frames))
        await super().run_operation(operation)
