"""What a running server's background workers do, one step at a time, for the in-process app
(which starts none): number committed events (the relay), fan them out to webhooks and
automations and extensions, deliver, run automation, job and extension runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from resolvers.automations.worker import AutomationWorker
from resolvers.hooks.worker import ExtensionWorker
from resolvers.jobs.worker import JobWorker
from resolvers.webhooks.worker import WebhookWorker


class Pump:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.worker = WebhookWorker(runtime, worker_id="test-worker")
        self.automations = AutomationWorker(runtime, worker_id="test-worker")
        self.jobs = JobWorker(runtime, worker_id="test-worker")
        self.extensions = ExtensionWorker(runtime, worker_id="test-worker")

    async def __call__(self) -> None:
        await self.runtime.realtime.relay.run_once()
        await self.worker.run_once()
        await self.automations.run_once()
        await self.jobs.run_once()
        await self.extensions.run_once()


async def eventually(
    check: Callable[[], Awaitable[Any]], drive: Callable[[], Awaitable[Any]] | None = None, *, timeout: float = 15.0, interval: float = 0.05
) -> Any:
    """The first truthy answer of `check`, running `drive` (such as a Pump) between looks."""
    deadline = time.monotonic() + timeout
    while True:
        if drive is not None:
            await drive()
        if answer := await check():
            return answer
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(interval)
