"""graphql_api/websocket.py: coroutines started eagerly, and frames that leave in order.

`start_eagerly` runs a coroutine in the caller's step until it first suspends (a socket send,
normally not at all); `OrderedWebSocket.offer_text` writes a frame that way and refuses while an
earlier frame still waits for the socket, and the adapter's other sends wait behind it. The
end-to-end path (the hub writing `next` frames to real sockets) is covered by
test_subscriptions.py, whose every subscription now takes it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.websockets import WebSocketState

from graphql_api.websocket import OrderedWebSocket, start_eagerly


async def test_a_coroutine_that_never_suspends_is_finished_when_start_eagerly_returns() -> None:
    ran: list[str] = []

    async def send() -> None:
        ran.append("sent")

    assert start_eagerly(send()) is None
    assert ran == ["sent"]


async def test_a_coroutine_that_suspends_is_carried_on_by_a_task_with_the_awaited_result() -> None:
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def send() -> str:
        seen.append("before")
        seen.append(await gate)
        return "done"

    task = start_eagerly(send())
    assert task is not None and seen == ["before"]  # the part before the suspension already ran
    gate.set_result("opened")
    assert await asyncio.wait_for(task, 5) == "done"
    assert seen == ["before", "opened"]


async def test_an_error_before_the_first_suspension_reaches_the_caller() -> None:
    async def send() -> None:
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError):
        start_eagerly(send())


async def test_cancelling_the_task_cancels_the_suspended_coroutine() -> None:
    cleaned: list[bool] = []

    async def send() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(True)

    task = start_eagerly(send())
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True]


class SlowSocket:
    """A Starlette WebSocket stand-in whose sends wait while `open` is clear."""

    def __init__(self) -> None:
        self.application_state = WebSocketState.CONNECTED
        self.open = asyncio.Event()
        self.open.set()
        self.sent: list[str] = []

    async def send(self, message: dict[str, Any]) -> None:
        await self.open.wait()
        self.sent.append(message["text"])

    async def send_text(self, text: str) -> None:
        await self.send({"type": "websocket.send", "text": text})


class View:
    def encode_json(self, data: object) -> str:
        return json.dumps(data)


async def test_frames_leave_in_the_order_given_while_the_socket_is_slow() -> None:
    socket = SlowSocket()
    adapter = OrderedWebSocket(View(), None, socket)
    assert adapter.offer_text("1")
    assert socket.sent == ["1"]  # written in the caller's step

    socket.open.clear()  # the client stops reading
    assert adapter.offer_text("2")  # accepted, waiting for the socket
    assert not adapter.offer_text("3")  # refused: "2" is still in flight
    later = asyncio.ensure_future(adapter.send_json({"type": "complete", "id": "1"}))
    await asyncio.sleep(0.01)
    assert socket.sent == ["1"] and not later.done()

    socket.open.set()
    await asyncio.wait_for(later, 5)
    assert socket.sent == ["1", "2", '{"type": "complete", "id": "1"}']
    assert adapter.offer_text("4") and socket.sent[-1] == "4"


async def test_no_frame_is_offered_to_a_socket_that_is_not_connected() -> None:
    socket = SlowSocket()
    socket.application_state = WebSocketState.DISCONNECTED
    assert not OrderedWebSocket(View(), None, socket).offer_text("1")
    assert socket.sent == []


async def test_a_directly_written_next_frame_is_the_one_the_regular_path_writes_and_stops_once_completed() -> None:
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

    from graphql_api.graphql_view import BasaltGraphQL
    from graphql_api.websocket import DirectTransportWSHandler, _NextFrames
    from schema.build import build_schema

    view = BasaltGraphQL(build_schema(), development=False)
    socket = SlowSocket()
    handler = DirectTransportWSHandler.__new__(DirectTransportWSHandler)  # only what the writer reads
    handler.view, handler.websocket, handler.operations = view, OrderedWebSocket(view, None, socket), {}
    operation: Operation[Any, Any] = Operation(handler, 'sub "7"', "subscription { events { id } }", None, None)
    handler.operations[operation.id] = operation
    data = {"events": {"id": "42", "data": {"title": "Ünïcode"}}}

    assert _NextFrames(handler, handler.websocket, operation).write_data(data)
    assert socket.sent == [view.encode_json({"id": operation.id, "type": "next", "payload": {"data": data}})]

    del handler.operations[operation.id]  # completed (or the connection closed): nothing more goes out
    assert not _NextFrames(handler, handler.websocket, operation).write_data(data)
    assert len(socket.sent) == 1
