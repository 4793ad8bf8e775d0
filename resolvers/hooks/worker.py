"""The extension worker: after commit, off the request path, it runs action hooks, event-triggered
functions and file-based action handlers for each committed event.

Fan-out reads the event log under a per-tenant cursor (each event once, see events/cursors.py)
and queues one run per matching target in the same transaction as the cursor moves; runs are then
claimed under a lease, so an event is never lost nor run twice by two processes, and a process
dying mid-run leaves the run to another once the lease ends. A run's errors are recorded on the
run and on the hook (its statistics, last_error, and `error` status after too many failures in a
row); they never reach the request that caused the event.
"""

from __future__ import annotations

import inspect
import logging
from datetime import datetime, timezone
from typing import Any

from models.hooks import ExtensionRun
from resolvers.actions.schemas import MAX_DEPTH as MAX_CHAIN_DEPTH
from resolvers.background import PollingWorker
from resolvers.events.schemas import CHAIN_DEPTH, EventRecord
from resolvers.hooks import emitter, repository
from resolvers.hooks.schemas import event_names
from resolvers.ids import new_id
from resolvers.object_types import repository as object_types
from resolvers.principal import Principal
from resolvers.runtime import Runtime

log = logging.getLogger("basalt.hooks")
TENANTS_PER_PASS = 20
FANOUT_BATCH = 500
RUN_BATCH = 10
LEASE_SECONDS = 120
MAX_ATTEMPTS = 3
OBJECT_ACTIONS = {"object.created": "create", "object.updated": "update", "object.deleted": "delete"}


def hook_events(event: EventRecord, collection: str | None) -> tuple[str, ...]:
    """The hook event names a committed event answers to."""
    action = OBJECT_ACTIONS.get(event.type)
    if action is not None:
        names = event_names(action, collection)
        return (*names, "versions.create") if action == "update" else tuple(names)
    return (event.type,) if event.custom else ()


def action_meta(event: EventRecord, name: str, collection: str | None) -> dict[str, Any]:
    """What an action hook receives as `meta`."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.object_id is not None:
        return {
            "event": name, "collection": collection, "key": event.object_id, "keys": [event.object_id],
            "payload": data.get("properties"), "changed": event.changed, "actor": event.actor, "seq": event.seq,
        }
    return {"event": name, "payload": data, "actor": event.actor, "seq": event.seq}


class ExtensionWorker(PollingWorker):
    label = "extension worker"

    def __init__(self, runtime: Runtime, *, worker_id: str | None = None, poll_seconds: float = 1.0) -> None:
        super().__init__(worker_id=worker_id, poll_seconds=poll_seconds)
        self.runtime = runtime
        self._cursors_started = False

    async def between_passes(self) -> None:
        if self._cursors_started:
            await repository.ensure_cursors(at_newest=False)

    async def run_once(self) -> bool:
        if self.runtime.extensions.registry.has_actions and not self._cursors_started:
            await repository.ensure_cursors(at_newest=True)
            self._cursors_started = True
        queued = await repository.CURSOR.consume(self._queue_runs, tenants=TENANTS_PER_PASS, batch=FANOUT_BATCH)
        ran = await self.run_queued()
        return queued > 0 or ran > 0

    # --- fan-out --------------------------------------------------------------------------------

    async def _queue_runs(self, tenant_id: str, batch: list[EventRecord]) -> None:
        from resolvers.functions import repository as functions  # functions run through this worker too

        hooks = await repository.active_hooks(tenant_id, type_="action")
        event_functions = await functions.event_functions(tenant_id)
        registry = self.runtime.extensions.registry
        if not hooks and not event_functions and not registry.has_actions:
            return
        names = await object_types.names_by_id(tenant_id, list({e.object_type_id for e in batch if e.object_type_id}))
        runs: list[ExtensionRun] = []
        for event in batch:
            collection = names.get(event.object_type_id or "")
            answers = hook_events(event, collection)
            for hook in hooks:
                if hook.event in answers and event.created_at >= hook.created_at:
                    runs.append(_run(event, "hook", hook.id, hook.event, collection))
            for function in event_functions:
                if function.event in answers and event.created_at >= function.created_at:
                    runs.append(_run(event, "function", function.id, function.event or "", collection))
            for name, index, _ in registry.actions(answers):
                runs.append(_run(event, "python", f"{name}#{index}", name, collection))
        await repository.queue(runs)

    # --- runs -----------------------------------------------------------------------------------

    async def run_queued(self) -> int:
        runs = await repository.claim(self.worker_id, datetime.now(timezone.utc), RUN_BATCH, LEASE_SECONDS)
        for run in runs:
            try:
                await self.execute(run)
            except Exception:
                log.exception("extension run %s could not be settled; its lease will run out", run.id)
        return len(runs)

    async def execute(self, run: ExtensionRun) -> None:
        if run.attempts > MAX_ATTEMPTS:
            await repository.finish(run, self.worker_id, status="failed", error=f"gave up after {MAX_ATTEMPTS} attempts")
            return
        if run.depth > MAX_CHAIN_DEPTH:
            await repository.finish(run, self.worker_id, status="failed", error=f"hooks triggered hooks {MAX_CHAIN_DEPTH} levels deep; the chain stops here")
            return
        depth = CHAIN_DEPTH.set(run.depth)  # the events its writes cause carry the depth
        try:
            status, error = await self._dispatch(run)
        finally:
            CHAIN_DEPTH.reset(depth)
        await repository.finish(run, self.worker_id, status=status, error=error)

    async def _dispatch(self, run: ExtensionRun) -> tuple[str, str | None]:
        meta = run.meta or {}
        if run.target == "hook":
            return await self._run_hook(run, meta)
        if run.target == "function":
            from resolvers.functions.service import run_function

            status, error, _ = await run_function(self.runtime, run.tenant_id, run.target_id, input=meta, trigger="event")
            return status, error
        return await self._run_python(run, meta)

    async def _run_hook(self, run: ExtensionRun, meta: dict[str, Any]) -> tuple[str, str | None]:
        hook = await repository.hook(run.tenant_id, run.target_id)
        if hook is None or hook.status != "active":
            return "skipped", "the hook was deleted or is no longer active"
        principal = Principal.system(run.tenant_id, hook.id)
        context = {**emitter.code_context(principal), "accountability": {**emitter.accountability(principal), "user": meta.get("actor")}}
        outcome = await emitter.run_code(
            self.runtime, principal, kind="action", code=hook.code, args={"meta": meta, "context": context},
            timeout_ms=hook.timeout_ms, memory_mb=hook.memory_limit_mb,
        )
        await emitter.settle(self.runtime.extensions, hook, outcome, rejected_is_failure=True)
        return ("succeeded", None) if outcome.ok else ("failed", outcome.error_text())

    async def _run_python(self, run: ExtensionRun, meta: dict[str, Any]) -> tuple[str, str | None]:
        from resolvers.plugins.sdk import CALLER, HookContext

        event, _, index = run.target_id.rpartition("#")
        handler = self.runtime.extensions.registry.action(event, int(index)) if index.isdigit() else None
        if handler is None:
            return "skipped", "no such handler is registered in this process"
        principal = Principal.system(run.tenant_id, f"ext:{event}")
        token = CALLER.set(principal)
        try:
            result = handler(meta, HookContext.of(principal))
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            log.warning("action handler for %s failed: %s", event, exc, exc_info=True)
            return "failed", f"{type(exc).__name__}: {exc}"
        finally:
            CALLER.reset(token)
        return "succeeded", None


def _run(event: EventRecord, target: str, target_id: str, name: str, collection: str | None) -> ExtensionRun:
    return ExtensionRun(
        id=new_id("xrun"), tenant_id=event.tenant_id, target=target, target_id=target_id, event_seq=event.seq, event_type=name,
        meta=action_meta(event, name, collection), depth=event.depth + 1, created_at=datetime.now(timezone.utc),
    )
