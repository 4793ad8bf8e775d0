"""The automation worker: matches committed events against automations (per tenant under its
cursor's row lock, each event once), queues a run per match, and runs queued runs under a lease
through the action engine, recording status, duration, per-action results and the error.

A run triggered by an event made by a run is one level deeper; past five levels the run fails
with ACTION_DEPTH_EXCEEDED instead of acting, which stops loops of automations triggering each
other.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

from models import jsoncodec
from models.automations import Automation, AutomationRun
from resolvers.actions.engine import condition_holds, run_actions
from resolvers.actions.schemas import ActionFailed, Run
from resolvers.automations import repository
from resolvers.background import PollingWorker
from resolvers.errors import DomainError
from resolvers.events.schemas import EventRecord
from resolvers.ids import new_id
from resolvers.principal import Principal
from resolvers.runtime import Runtime
from resolvers.webhooks.schemas import matches

log = logging.getLogger("basalt.automations")
TENANTS_PER_PASS = 20
FANOUT_BATCH = 500
RUN_BATCH = 10
LEASE_SECONDS = 120
MAX_ATTEMPTS = 3


class AutomationWorker(PollingWorker):
    label = "automation worker"

    def __init__(self, runtime: Runtime, *, worker_id: str | None = None, poll_seconds: float = 1.0) -> None:
        super().__init__(worker_id=worker_id, poll_seconds=poll_seconds)
        self.runtime = runtime

    async def run_once(self) -> bool:
        matched = await self.fan_out()
        ran = await self.run_queued()
        return matched > 0 or ran > 0

    async def fan_out(self) -> int:
        return await repository.CURSOR.consume(self._queue_runs, tenants=TENANTS_PER_PASS, batch=FANOUT_BATCH)

    async def _queue_runs(self, tenant_id: str, batch: list[EventRecord]) -> None:
        automations = [a for a in await repository.automations_of(tenant_id) if a.enabled]
        await repository.queue([_run_for(event, a) for event in batch for a in automations if _applies(a, event)])

    async def run_queued(self) -> int:
        runs = await repository.claim(self.worker_id, datetime.now(timezone.utc), RUN_BATCH, LEASE_SECONDS)
        for run in runs:
            try:
                await self.execute(run)
            except Exception:
                log.exception("automation run %s could not be settled; its lease will run out", run.id)
        return len(runs)

    async def execute(self, run: AutomationRun) -> None:
        automation = await repository.automation(run.tenant_id, run.automation_id)
        if automation is None:
            await repository.finish(run, self.worker_id, status="failed", error="the automation was deleted")
            return
        if run.attempts > MAX_ATTEMPTS:
            await repository.finish(run, self.worker_id, status="failed", error=f"gave up after {MAX_ATTEMPTS} attempts")
            return
        pipeline = Run(principal=Principal.system(run.tenant_id, automation.id), data=_context(run), depth=run.depth)
        started = time.perf_counter()
        status, error = "succeeded", None
        try:
            if not all(condition_holds(c, pipeline) for c in automation.conditions or []):
                status = "skipped"
            else:
                await run_actions(pipeline, automation.actions or [], self.runtime)
        except ActionFailed as exc:
            status, error = "failed", str(exc)
        except DomainError as exc:  # ACTION_DEPTH_EXCEEDED, or a condition that cannot be evaluated
            status, error = "failed", f"{exc.code}: {exc.message}"
        await repository.finish(
            run, self.worker_id, status=status, error=error, results=jsoncodec.plain(pipeline.results),
            duration_ms=int((time.perf_counter() - started) * 1000),
        )


def _applies(automation: Automation, event: EventRecord) -> bool:
    """The trigger matches, and the event happened after the automation was made (an event still
    waiting to be matched when an automation is created is not its business)."""
    return matches([automation.trigger_event], event.type) and event.created_at >= automation.created_at


def _run_for(event: EventRecord, automation: Automation) -> AutomationRun:
    return AutomationRun(
        id=new_id("arun"), tenant_id=event.tenant_id, automation_id=automation.id, trigger="event", event_seq=event.seq,
        event_type=event.type, data={"event": event.public(), "actor": event.actor}, depth=event.depth + 1,
        created_at=datetime.now(timezone.utc),
    )


def _context(run: AutomationRun) -> dict[str, Any]:
    """What templates and conditions see: the event, the record it is about, who caused it."""
    data = run.data or {}
    if run.trigger == "manual":
        event: dict[str, Any] = {"type": "manual", "data": data.get("data") or {}}
        record = data.get("data") or {}
    else:
        event = data.get("event") or {}
        body = event.get("data") if isinstance(event.get("data"), dict) else {}
        record = {**(body.get("properties") or {}), "id": body.get("id"), "created_by": body.get("created_by")} if "properties" in body else body
    actor = data.get("actor")
    return {
        "event": event, "record": record, "now": datetime.now(timezone.utc).isoformat(),
        "auth": {"user_id": actor if isinstance(actor, str) and actor.startswith("usr_") else None, "account_id": run.tenant_id},
        "automation": {"id": run.automation_id, "run_id": run.id},
    }
