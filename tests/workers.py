"""What a running server's background workers do, one step at a time, for the in-process app
(which starts none): number committed events (the relay), fan them out to webhooks and
automations, deliver, run automation and job runs."""

from __future__ import annotations

from typing import Any

from resolvers.automations.worker import AutomationWorker
from resolvers.jobs.worker import JobWorker
from resolvers.webhooks.worker import WebhookWorker


class Pump:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.worker = WebhookWorker(runtime, worker_id="test-worker")
        self.automations = AutomationWorker(runtime, worker_id="test-worker")
        self.jobs = JobWorker(runtime, worker_id="test-worker")

    async def __call__(self) -> None:
        await self.runtime.realtime.relay.run_once()
        await self.worker.run_once()
        await self.automations.run_once()
        await self.jobs.run_once()
