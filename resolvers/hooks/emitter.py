"""Where data events meet extension code.

Services call `filter(...)` before a write (or a read's answer) with the payload; every filter
handler for the event's names runs in turn, file-based Python handlers first, then the tenant's
active runtime hooks in `sort` order, each getting the payload the previous one returned. A
runtime hook that throws refuses the request (400 HOOK_REJECTED, its message); one that times out,
runs out of memory or crashes refuses it too (503 HOOK_FAILED). Action hooks do not run here: the
extension worker runs them from the event log, after commit (see worker.py).

The `Emitter` belongs to the app's Runtime; the request (and each background worker) makes the
runtime current with `use(runtime)`, so services deep in a write find it without every signature
carrying it. Without a current runtime (a CLI command, a unit test of a service) no hook runs.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from models import jsoncodec
from models.hooks import RuntimeHook
from resolvers import db
from resolvers.hooks import repository
from resolvers.hooks.registry import Handler, Registry
from resolvers.hooks.schemas import CACHE_SECONDS, MAX_DEPTH, HookDepthExceeded, HookEvent, HookFailed, HookRejected, event_names
from resolvers.principal import Principal
from resolvers.sandbox.pool import SandboxPool
from resolvers.sandbox.schemas import Job, Kind, Outcome

if TYPE_CHECKING:
    from resolvers.runtime import Runtime

log = logging.getLogger("basalt.hooks")
console_log = logging.getLogger("basalt.hooks.console")
_current: ContextVar["Runtime | None"] = ContextVar("basalt_runtime", default=None)
DEPTH: ContextVar[int] = ContextVar("basalt_hook_depth", default=0)  # >0 inside a hook's own service call
CACHED_TENANTS = 10_000
STATS_FLUSH_SECONDS = 1.0


async def _write_tallies(batch: "dict[str, repository.RunTally]") -> None:
    for hook_id, tally in batch.items():
        try:
            await repository.record_successes(hook_id, tally)
        except Exception:
            log.exception("writing the statistics of hook %s failed", hook_id)


def use(runtime: "Runtime") -> None:
    """Make `runtime` the current one for this request or worker (and tasks it starts)."""
    _current.set(runtime)


def current() -> "Runtime | None":
    return _current.get()


@dataclass
class Emitter:
    pool: SandboxPool = field(default_factory=SandboxPool)
    registry: Registry = field(default_factory=Registry)
    max_failures: int = 5  # consecutive failed runs before a hook goes to `error`
    env: dict[str, str] = field(default_factory=dict)  # what context.services.env shows (operator's whitelist)
    allowed_domains: tuple[str, ...] = ()  # what context.services.fetch may reach
    _active: "OrderedDict[str, tuple[float, list[RuntimeHook]]]" = field(default_factory=OrderedDict)
    _tallies: "dict[str, repository.RunTally]" = field(default_factory=dict)
    _flusher: "asyncio.Task[None] | None" = None
    _writes: "set[asyncio.Task[None]]" = field(default_factory=set)

    async def active_hooks(self, tenant_id: str) -> list[RuntimeHook]:
        """The tenant's active hooks, reread at most every CACHE_SECONDS by each process."""
        now = time.monotonic()
        hit = self._active.get(tenant_id)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            self._active.move_to_end(tenant_id)
            return hit[1]
        hooks = await repository.active_hooks(tenant_id)
        self._active[tenant_id] = (now, hooks)
        self._active.move_to_end(tenant_id)
        while len(self._active) > CACHED_TENANTS:
            self._active.popitem(last=False)
        return hooks

    def forget(self, tenant_id: str) -> None:
        """This process changed the tenant's hooks: reread them on next use."""
        self._active.pop(tenant_id, None)

    def count_success(self, hook: RuntimeHook, duration_ms: float) -> None:
        """Tally a successful run. Tallies are written within STATS_FLUSH_SECONDS, one UPDATE per
        hook, outside any request: a working hook costs the request nothing but its run, and a
        busy hook's row is not updated (and locked) once per run."""
        tally = self._tallies.get(hook.id)
        if tally is None:
            tally = self._tallies[hook.id] = repository.RunTally(hook.tenant_id)
        tally.add(duration_ms)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_soon(), context=contextvars.Context())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(STATS_FLUSH_SECONDS)
        await self.flush()

    async def flush(self, hook_id: str | None = None) -> None:
        """Write the tallied runs of one hook, or of all, now, and wait for every write under way
        (so a failure recorded next lands after the successes before it)."""
        batch = {tallied: self._tallies.pop(tallied) for tallied in ([hook_id] if hook_id else list(self._tallies)) if tallied in self._tallies}
        if batch:
            task = asyncio.get_running_loop().create_task(_write_tallies(batch), context=contextvars.Context())
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)
        await asyncio.gather(*list(self._writes), return_exceptions=True)

    async def settled(self) -> None:
        """Statistics of every run so far are written (tests; shutdown)."""
        await self.flush()

    async def close(self) -> None:
        await self.flush()
        if self._flusher is not None:
            self._flusher.cancel()
        await self.pool.close()


async def filter_items(caller: Principal, action: str, collection: str, payload: Any, **meta: Any) -> Any:
    """Run the filters of items.<action> and <collection>.items.<action> over `payload`."""
    runtime = current()
    if runtime is None:
        return payload
    names = tuple(event_names(action, collection))
    python, hooks = await _filters_of(runtime, caller, names)
    if not python and not hooks:  # the common case: no event to describe
        return payload
    event = HookEvent(names, {"event": names[-1], "collection": collection, **meta})
    return await _run_filters(runtime, caller, event, payload, python, hooks)


async def has_filters(caller: Principal, action: str, collection: str) -> bool:
    """Whether `filter_items` would run anything: a caller can skip building a costly payload."""
    runtime = current()
    if runtime is None:
        return False
    python, hooks = await _filters_of(runtime, caller, tuple(event_names(action, collection)))
    return bool(python or hooks)


async def _filters_of(runtime: "Runtime", caller: Principal, names: tuple[str, ...]) -> tuple[list[Handler], list[RuntimeHook]]:
    """The extensions' filters and the tenant's active filter hooks for these event names."""
    emitter = runtime.extensions
    hooks = [h for h in await emitter.active_hooks(caller.tenant_id) if h.type == "filter" and h.event in names]
    return emitter.registry.filters(names), hooks


async def filter_event(caller: Principal, event: HookEvent, payload: Any) -> Any:
    runtime = current()
    if runtime is None:
        return payload
    python, hooks = await _filters_of(runtime, caller, event.names)
    return await _run_filters(runtime, caller, event, payload, python, hooks) if python or hooks else payload


async def _run_filters(
    runtime: "Runtime", caller: Principal, event: HookEvent, payload: Any, python: list[Handler], hooks: list[RuntimeHook]
) -> Any:
    depth = DEPTH.get()
    if depth >= MAX_DEPTH:
        raise HookDepthExceeded()
    for handler in python:
        payload = await _run_python(handler, caller, event, payload)
    for hook in hooks:
        payload = await _run_hook(runtime, hook, caller, event, payload, depth)
    return payload


def accountability(caller: Principal) -> dict[str, Any]:
    """Who caused the event, as hook code sees it (`context.accountability`)."""
    return {"user": caller.user_id or caller.key_id, "role": caller.role, "kind": caller.kind, "tenant": caller.tenant_id}


def code_context(caller: Principal) -> dict[str, Any]:
    return {"accountability": accountability(caller), "tenant": {"id": caller.tenant_id}}


async def _run_python(handler: Handler, caller: Principal, event: HookEvent, payload: Any) -> Any:
    from resolvers.plugins.sdk import CALLER, HookContext  # the SDK builds on the services this module guards

    token = CALLER.set(caller)
    try:
        result = handler(payload, dict(event.meta), HookContext.of(caller))
        if inspect.isawaitable(result):
            result = await result
    except (HookRejected, HookFailed, HookDepthExceeded):
        raise
    except Exception as exc:
        raise HookRejected(str(exc) or type(exc).__name__, details={"event": event.meta.get("event")}) from None
    finally:
        CALLER.reset(token)
    return payload if result is None else result


async def run_code(
    runtime: "Runtime", caller: Principal, *, kind: Kind, code: str, args: dict[str, Any], timeout_ms: int, memory_mb: int
) -> Outcome:
    """Run tenant code in the sandbox as `caller`, its service calls one hook level deeper."""
    from resolvers.hooks.bridge import host_calls  # the bridge calls services that call this module

    depth = DEPTH.get()
    job = Job(
        kind=kind, code=code, tenant_id=caller.tenant_id, env=runtime.extensions.env, timeout_ms=timeout_ms, memory_mb=memory_mb,
        args=jsoncodec.plain(args),
    )
    return await runtime.extensions.pool.run(job, host_calls(caller, runtime, depth + 1), nested=depth > 0)


async def _run_hook(runtime: "Runtime", hook: RuntimeHook, caller: Principal, event: HookEvent, payload: Any, depth: int) -> Any:
    args = {"payload": payload, "meta": {**event.meta, "hook": hook.name}, "context": code_context(caller)}
    outcome = await run_code(runtime, caller, kind="filter", code=hook.code, args=args, timeout_ms=hook.timeout_ms, memory_mb=hook.memory_limit_mb)
    await settle(runtime.extensions, hook, outcome, rejected_is_failure=False)
    details = {"hook_id": hook.id, "hook": hook.name, "event": event.meta.get("event")}
    if outcome.kind == "thrown":
        raise HookRejected(outcome.message or f"Hook {hook.name} rejected the request", details=details)
    if outcome.failed:
        raise HookFailed(f"Hook '{hook.name}' {outcome.error_text()}", details={**details, "reason": outcome.kind})
    if outcome.value is None:
        raise HookFailed(f"Hook '{hook.name}' returned nothing: a filter hook must return the payload", details={**details, "reason": "no_payload"})
    return outcome.value


async def settle(emitter: Emitter, hook: RuntimeHook, outcome: Outcome, *, rejected_is_failure: bool) -> None:
    """Count the run on the hook, whatever becomes of the request's transaction. A failure is
    written before the request answers (it may put the hook in `error`), after the successes
    tallied before it; a success is tallied (see Emitter.count_success). What the code logged
    goes to the server log (`basalt.hooks.console`): a hook's runs keep no console of their own."""
    for line in outcome.console:
        console_log.info("hook %s (%s) %s: %s", hook.id, hook.name, line.get("level", "log"), line.get("message", ""))
    if not (outcome.failed or (rejected_is_failure and outcome.kind == "thrown")):
        emitter.count_success(hook, outcome.duration_ms)
        return

    async def record() -> None:
        await emitter.flush(hook.id)
        if await repository.record_failure(hook.tenant_id, hook.id, outcome.duration_ms, error=outcome.error_text(), max_failures=emitter.max_failures):
            log.warning("hook %s (%s) failed %d times in a row and is now in error", hook.id, hook.name, emitter.max_failures)
            emitter.forget(hook.tenant_id)

    await db.even_if_rolled_back(record)
