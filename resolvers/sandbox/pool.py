"""A pool of sandbox worker processes (worker.py) that runs tenant JavaScript.

Why processes: a runaway job (a loop, a huge allocation, a native crash) costs at most its own
worker, which is killed and replaced, while the server process and other jobs go on. Why a
per-tenant share: one tenant whose hooks all hang may hold at most half the workers, so other
tenants always find one. A job started from inside another job's host call (a hook's
`items.createOne` firing hooks) is `nested`: it may not wait behind its own parent, so it takes an
extra worker when none is idle (the hooks layer bounds the depth).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from resolvers.sandbox.schemas import KILL_GRACE_SECONDS, HostCalls, HostError, Job, Kind, Outcome

log = logging.getLogger("basalt.sandbox")
WORKER = Path(__file__).with_name("worker.py")
LINE_LIMIT = 16 << 20
START_TIMEOUT_SECONDS = 20.0


class WorkerGone(Exception):
    """The worker process ended or stopped answering."""


class SandboxWorker:
    """One worker process and its pipes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.healthy = True

    @classmethod
    async def start(cls) -> "SandboxWorker":
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", str(WORKER),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env={}, cwd="/", limit=LINE_LIMIT,
        )
        worker = cls(process)
        try:
            ready = await asyncio.wait_for(worker.receive(), START_TIMEOUT_SECONDS)
        except BaseException:
            worker.kill()
            raise
        if ready.get("op") != "ready":
            worker.kill()
            raise WorkerGone(f"the sandbox worker did not start: {ready}")
        return worker

    async def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
            await self.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise WorkerGone("the sandbox worker closed its input") from exc

    async def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise WorkerGone("the sandbox worker exited")
        message: dict[str, Any] = json.loads(line)
        return message

    def kill(self) -> None:
        self.healthy = False
        if self.process.returncode is None:
            self.process.kill()
        # reap in the background so no zombie is left behind
        asyncio.get_running_loop().create_task(self.process.wait())


class SandboxPool:
    def __init__(self, size: int = 2) -> None:
        self.size = max(1, size)
        self.per_tenant = max(1, self.size // 2)
        self._idle: list[SandboxWorker] = []
        self._live = 0  # started or starting, idle or busy
        self._busy_by_tenant: dict[str, int] = {}
        self._changed = asyncio.Condition()
        self._closed = False
        self.replaced = 0  # workers killed at a limit (for tests and stats)

    async def run(self, job: Job, host: HostCalls | None = None, *, nested: bool = False, compile_only: bool = False) -> Outcome:
        """Run `job` within its time limit; its host calls go to `host`. Never raises for
        anything the code does: every end is an Outcome."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + job.timeout_ms / 1000
        try:
            async with asyncio.timeout(job.timeout_ms / 1000):  # not wait_for: no task per job
                worker = await self._acquire(job.tenant_id, nested)
        except asyncio.TimeoutError:
            return Outcome("timeout", message=f"no sandbox worker became free within {job.timeout_ms} ms")
        try:
            return await self._exchange(worker, job, host, deadline, compile_only)
        except (WorkerGone, asyncio.TimeoutError, ValueError) as exc:
            worker.kill()
            self.replaced += 1
            if isinstance(exc, asyncio.TimeoutError):
                return Outcome("timeout", message=f"did not finish within {job.timeout_ms} ms")
            return Outcome("crash", message="the sandbox worker died")
        except BaseException:
            worker.kill()  # cancelled mid-job: the worker's state is unknown
            raise
        finally:
            await self._release(worker, job.tenant_id)

    async def check(self, code: str, *, kind: Kind, tenant_id: str) -> Outcome:
        """Compile without running: ok, or `syntax` with the engine's message. Never queues
        behind the tenant's running jobs (saving a fix for a stuck hook must not wait on it)."""
        return await self.run(Job(kind=kind, code=code, tenant_id=tenant_id, timeout_ms=2000, memory_mb=16), None, nested=True, compile_only=True)

    async def close(self) -> None:
        self._closed = True
        for worker in self._idle:
            worker.kill()
        self._idle.clear()

    # --- workers in and out -------------------------------------------------------------------

    async def _acquire(self, tenant_id: str, nested: bool) -> SandboxWorker:
        start = False
        async with self._changed:
            while True:
                if self._closed:
                    raise WorkerGone("the sandbox is closed")
                if nested or self._busy_by_tenant.get(tenant_id, 0) < self.per_tenant:
                    if self._idle:
                        worker = self._idle.pop()
                        break
                    if self._live < self.size or nested:
                        self._live += 1
                        start = True
                        break
                await self._changed.wait()
            self._busy_by_tenant[tenant_id] = self._busy_by_tenant.get(tenant_id, 0) + 1
        if not start:
            return worker
        try:
            return await SandboxWorker.start()
        except BaseException:
            async with self._changed:
                self._live -= 1
                self._busy_by_tenant[tenant_id] -= 1
                self._changed.notify_all()
            raise

    async def _release(self, worker: SandboxWorker, tenant_id: str) -> None:
        async with self._changed:
            self._busy_by_tenant[tenant_id] -= 1
            if not self._busy_by_tenant[tenant_id]:
                del self._busy_by_tenant[tenant_id]
            keep = worker.healthy and worker.process.returncode is None and not self._closed and self._live <= self.size
            if keep:
                self._idle.append(worker)
            else:
                if worker.healthy:
                    worker.kill()
                self._live -= 1
            self._changed.notify_all()

    # --- one job --------------------------------------------------------------------------------

    async def _exchange(self, worker: SandboxWorker, job: Job, host: HostCalls | None, deadline: float, compile_only: bool) -> Outcome:
        loop = asyncio.get_running_loop()
        left_ms = max(1, int((deadline - loop.time()) * 1000))
        await worker.send({
            "op": "run", "kind": "check" if compile_only else job.kind, "as": job.kind, "code": job.code, "args": job.args,
            "env": job.env, "timeout_ms": left_ms, "limit_ms": job.timeout_ms, "memory_mb": job.memory_mb,
        })
        while True:
            async with asyncio.timeout_at(deadline + KILL_GRACE_SECONDS):
                message = await worker.receive()
            if message.get("op") == "done":
                return _outcome(message)
            if message.get("op") != "call":
                raise WorkerGone(f"unexpected message from the sandbox worker: {message.get('op')}")
            reply = await self._answer(host, message, deadline - loop.time())
            await worker.send(reply)

    async def _answer(self, host: HostCalls | None, call: dict[str, Any], seconds_left: float) -> dict[str, Any]:
        if host is None:
            return {"ok": False, "value": "no services are available here"}
        try:
            # its own task (wait_for): what the services set in their context stays in the call
            value = await asyncio.wait_for(host(str(call.get("name")), list(call.get("args") or [])), timeout=max(0.001, seconds_left))
        except HostError as exc:
            return {"ok": False, "value": str(exc)}
        except asyncio.TimeoutError:
            raise
        except Exception:
            log.exception("sandbox host call %s failed", call.get("name"))
            return {"ok": False, "value": f"{call.get('name')} failed (internal error)"}
        return {"ok": True, "value": value}


def _outcome(message: dict[str, Any]) -> Outcome:
    if message.get("ok"):
        return Outcome("ok", value=message.get("value"), console=message.get("console") or [], duration_ms=message.get("duration_ms") or 0.0)
    return Outcome(
        message.get("kind") or "crash", message=str(message.get("message") or ""), console=message.get("console") or [],
        duration_ms=message.get("duration_ms") or 0.0,
    )
