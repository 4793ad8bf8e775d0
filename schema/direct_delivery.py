"""Direct delivery: a subscription event executed and written by the caller that has it.

Normally an event travels from the hub through the listener's queue, then the subscription's
async generators (ours, graphql-core's, Strawberry's) and the protocol handler, to the socket: a
task wake-up and a dozen layers per subscriber, which made a 100-subscriber fan-out take 4 ms.
A transport that can write a result itself (graphql-transport-ws, graphql_api/websocket.py) puts
a `DirectDelivery` in `CURRENT` while its operation starts; the subscription's executor claims
it when graphql-core builds it, and the subscription resolver hands it to the listener
(`offer_to`). The hub then calls it with each event while nothing else of that subscription is in
flight: it executes the selection (shared between identical subscriptions, schema/execution.py)
and writes the result at once. Anything unusual (a result with errors, one that must be awaited,
a socket busy with an earlier frame, an operation already completed) answers False, and the
event takes the regular path, in order.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, Callable, Protocol

log = logging.getLogger("basalt.graphql")


class ResultWriter(Protocol):
    def write_data(self, data: Any) -> bool:
        """Write an error-free result's data now (or queue it in order); False if it cannot."""


@dataclass(eq=False)
class DirectDelivery:
    writer: ResultWriter
    executor: Any = None  # the subscription's graphql-core executor, once built

    def deliver(self, root_value: Any) -> bool:
        """Execute the subscription for one event and write it; False: use the regular path."""
        executor = self.executor
        if executor is None:
            return False
        try:
            result = executor.build_per_event_executor(root_value).execute_operation(False)
        except Exception:
            log.exception("direct delivery failed; the event takes the regular path")
            return False
        if isawaitable(result):
            close = getattr(result, "close", None) or getattr(result, "cancel", None)
            if close is not None:
                close()
            return False
        if result.errors:  # shaped and reported by the regular path
            return False
        return self.writer.write_data(result.data)


CURRENT: ContextVar[DirectDelivery | None] = ContextVar("basalt_direct_delivery", default=None)


def claim(executor: Any) -> None:
    """Called by a subscription's executor as graphql-core builds it (in the operation's task)."""
    delivery = CURRENT.get()
    if delivery is not None and delivery.executor is None:
        delivery.executor = executor


def offer_to(listener: Any, root_value_of: Callable[[Any], Any]) -> None:
    """Let the hub deliver this subscription's events directly, if its transport can."""
    delivery = CURRENT.get()
    if delivery is not None and delivery.executor is not None:
        deliver = delivery.deliver
        listener.direct = lambda event: deliver(root_value_of(event))
