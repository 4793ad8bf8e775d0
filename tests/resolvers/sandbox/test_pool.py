"""The sandbox pool on its own: jobs in, outcomes out. What tenant code can reach (nothing but
the host calls it is given), how each way of running out of a limit ends (timeout, memory,
crash, syntax) with the pool still serving afterwards, a worker killed from outside, the
per-tenant share that keeps one tenant's stuck jobs from starving another, nested jobs, and
compile-only checks."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest

from resolvers.sandbox.pool import SandboxPool
from resolvers.sandbox.schemas import HostError, Job, Kind, Outcome
from tests.workers import eventually

LOOP_FOREVER = "while (true) {}"


@pytest.fixture
async def pool() -> AsyncIterator[SandboxPool]:
    made = SandboxPool(2)
    yield made
    await made.close()
    await asyncio.sleep(0.05)  # let the killed workers be reaped
    gc.collect()  # and their pipes closed while the loop still runs


def job(code: str, *, kind: Kind = "function", tenant_id: str = "tenant-a", **extra: Any) -> Job:
    return Job(kind=kind, code=code, tenant_id=tenant_id, **extra)


async def still_serves(pool: SandboxPool, tenant_id: str = "tenant-a") -> None:
    after = await pool.run(job("return input.n * 2", args={"input": {"n": 21}}, tenant_id=tenant_id))
    assert after.kind == "ok" and after.value == 42, after


async def test_a_filter_job_returns_the_changed_payload_and_its_console_output(pool: SandboxPool) -> None:
    code = "console.log('saw', payload.title); console.warn('careful'); payload.slug = payload.title.toLowerCase(); return payload;"
    outcome = await pool.run(job(code, kind="filter", args={"payload": {"title": "Hello"}, "meta": {}, "context": {}}))
    assert outcome.kind == "ok"
    assert outcome.value == {"title": "Hello", "slug": "hello"}
    assert outcome.console == [{"level": "log", "message": "saw Hello"}, {"level": "warn", "message": "careful"}]


async def test_code_finds_no_modules_process_environment_timers_or_network(pool: SandboxPool) -> None:
    names = ["require", "process", "std", "os", "fetch", "setTimeout", "setInterval", "XMLHttpRequest", "Deno", "Bun", "loadFile", "print", "scriptArgs"]
    probe = f"return {{{', '.join(f'{n}: typeof {n}' for n in names)}}}"
    outcome = await pool.run(job(probe))
    assert outcome.kind == "ok" and outcome.value == {n: "undefined" for n in names}
    via_function = await pool.run(job("return Function('return typeof process + typeof require + typeof std')()"))
    assert via_function.value == "undefinedundefinedundefined"


async def test_each_job_starts_from_a_fresh_context(pool: SandboxPool) -> None:
    first = await pool.run(job("globalThis.leak = 'tenant a'; Object.prototype.polluted = true; return 1;"))
    assert first.kind == "ok"
    second = await pool.run(job("return [typeof leak, ({}).polluted === undefined];", tenant_id="tenant-b"))
    assert second.value == ["undefined", True]


async def test_code_that_overwrites_the_preludes_internals_only_breaks_its_own_job(pool: SandboxPool) -> None:
    outcome = await pool.run(job("globalThis.__finish = () => 5; return 'spoofed';"))
    assert outcome.kind == "crash"
    await still_serves(pool)


@pytest.mark.parametrize("module", ["os", "std", "fs", "node:fs", "/etc/passwd"])
async def test_importing_a_module_fails_so_no_file_can_be_read(pool: SandboxPool, module: str) -> None:
    outcome = await pool.run(job(f"const m = await import({module!r}); return m.loadFile ? m.loadFile('/etc/passwd') : 'imported'"))
    assert outcome.kind == "thrown"
    assert "could not load module" in outcome.message
    caught = await pool.run(job(f"try {{ await import({module!r}); return 'imported'; }} catch (e) {{ return 'refused'; }}"))
    assert caught.value == "refused"


async def test_an_infinite_loop_is_stopped_at_its_timeout_and_the_pool_goes_on(pool: SandboxPool) -> None:
    outcome = await pool.run(job(LOOP_FOREVER, timeout_ms=300))
    assert outcome.kind == "timeout" and "did not finish within" in outcome.message
    assert outcome.failed
    await still_serves(pool)


async def test_a_timeout_names_the_jobs_own_limit(pool: SandboxPool) -> None:
    outcome = await pool.run(job(LOOP_FOREVER, timeout_ms=300))  # the first job also waits for its worker to start
    assert outcome.kind == "timeout"
    assert outcome.message == "did not finish within 300 ms"


async def test_allocating_far_past_the_memory_limit_is_stopped_as_memory(pool: SandboxPool) -> None:
    hog = "const kept = []; while (true) { kept.push(new Array(1 << 20).fill(kept.length)); }"
    outcome = await pool.run(job(hog, memory_mb=16, timeout_ms=10_000))
    assert outcome.kind == "memory" and "16 MB" in outcome.message
    await still_serves(pool)


async def test_throwing_in_a_loop_until_the_deadline_is_a_timeout(pool: SandboxPool) -> None:
    code = "while (true) { try { throw new Error('again'); } catch (e) { console.log(e.message); } }"
    outcome = await pool.run(job(code, timeout_ms=300))
    assert outcome.kind == "timeout"
    await still_serves(pool)


async def test_deep_recursion_is_a_crash(pool: SandboxPool) -> None:
    outcome = await pool.run(job("function down(n) { return down(n + 1) + 1; } return down(0);"))
    assert outcome.kind == "crash" and "stack overflow" in outcome.message
    await still_serves(pool)


async def test_a_promise_that_never_settles_is_a_crash_not_a_hang(pool: SandboxPool) -> None:
    outcome = await pool.run(job("await new Promise(() => {}); return 'never';", timeout_ms=5000))
    assert outcome.kind == "crash" and "never finished" in outcome.message
    await still_serves(pool)


async def test_a_syntax_error_is_syntax(pool: SandboxPool) -> None:
    outcome = await pool.run(job("return (;"))
    assert outcome.kind == "syntax" and outcome.message.startswith("SyntaxError")
    await still_serves(pool)


async def test_a_thrown_error_is_the_codes_own_answer_not_a_failure(pool: SandboxPool) -> None:
    outcome = await pool.run(job("throw new Error('title is required')"))
    assert outcome.kind == "thrown" and outcome.message == "title is required"
    assert not outcome.failed


async def test_a_worker_killed_mid_job_ends_that_job_as_a_crash_and_is_replaced(pool: SandboxPool) -> None:
    await still_serves(pool)
    assert len(pool._idle) == 1
    victim = pool._idle[-1].process.pid  # the next job takes this idle worker
    running = asyncio.create_task(pool.run(job(LOOP_FOREVER, timeout_ms=10_000)))

    async def taken() -> bool:
        return not pool._idle

    await eventually(taken)
    os.kill(victim, signal.SIGKILL)
    outcome = await running
    assert outcome.kind == "crash"
    assert pool.replaced == 1
    await still_serves(pool)
    assert all(w.process.pid != victim for w in pool._idle)


async def test_one_tenants_stuck_jobs_leave_a_worker_for_another_tenant(pool: SandboxPool) -> None:
    stuck = [asyncio.create_task(pool.run(job(LOOP_FOREVER, tenant_id="tenant-a", timeout_ms=2000))) for _ in range(3)]

    async def a_is_running() -> bool:
        return pool._busy_by_tenant.get("tenant-a", 0) >= 1

    await eventually(a_is_running)
    others = await asyncio.gather(*(pool.run(job(f"return 'b{i}'", tenant_id="tenant-b")) for i in range(4)))
    assert [o.kind for o in others] == ["ok"] * 4 and [o.value for o in others] == ["b0", "b1", "b2", "b3"]
    assert not any(task.done() for task in stuck)  # tenant B was served while all of A's jobs were still stuck
    assert pool._busy_by_tenant.get("tenant-a") == 1  # A never held more than its share
    ended = await asyncio.gather(*stuck)
    assert [o.kind for o in ended] == ["timeout"] * 3
    await still_serves(pool, "tenant-a")


async def test_a_host_error_reaches_the_code_as_a_catchable_error_and_host_values_come_back(pool: SandboxPool) -> None:
    calls: list[tuple[str, list[Any]]] = []

    async def host(name: str, args: list[Any]) -> Any:
        calls.append((name, args))
        if name == "items.readOne":
            raise HostError(f"no object {args[1]}")
        return [{"id": "o1", "title": "first"}]

    code = """
      const items = await context.services.items('articles');
      const found = await items.readByQuery({ filter: { status: { _eq: 'published' } } });
      try { await items.readOne('missing'); return 'not refused'; }
      catch (e) { return { found, caught: e.message, isError: e instanceof Error }; }
    """
    outcome = await pool.run(job(code), host)
    assert outcome.kind == "ok"
    assert outcome.value == {"found": [{"id": "o1", "title": "first"}], "caught": "no object missing", "isError": True}
    assert calls == [
        ("items.readByQuery", ["articles", {"filter": {"status": {"_eq": "published"}}}]),
        ("items.readOne", ["articles", "missing"]),
    ]


async def test_an_uncaught_host_error_is_the_codes_throw(pool: SandboxPool) -> None:
    async def host(name: str, args: list[Any]) -> Any:
        raise HostError("mail is not configured")

    outcome = await pool.run(job("await context.services.mail({ to: 'a@b.c' }); return 'sent';"), host)
    assert outcome.kind == "thrown" and outcome.message == "mail is not configured"


async def test_nested_jobs_take_an_extra_worker_instead_of_deadlocking_on_a_busy_pool(pool: SandboxPool) -> None:
    other = asyncio.create_task(pool.run(job(LOOP_FOREVER, tenant_id="tenant-b", timeout_ms=2000)))

    async def b_is_running() -> bool:
        return pool._busy_by_tenant.get("tenant-b", 0) == 1

    await eventually(b_is_running)

    async def host(name: str, args: list[Any]) -> Any:
        inner: Outcome = await pool.run(job("return 'inner ' + input.word", args={"input": {"word": args[0]}}), None, nested=True)
        return inner.value

    outer = await pool.run(job("const said = await __host('inner', ['hello']); return 'outer saw ' + said;", timeout_ms=5000), host)
    assert outer.kind == "ok" and outer.value == "outer saw inner hello"
    assert not other.done()  # the pool really was full: tenant B's loop held the other worker
    assert (await other).kind == "timeout"


async def test_check_reports_syntax_errors_without_running_the_code(pool: SandboxPool) -> None:
    broken = await pool.check("payload.title = ; return payload;", kind="filter", tenant_id="tenant-a")
    assert broken.kind == "syntax" and broken.message.startswith("SyntaxError")
    never_ran = await pool.check("console.log('ran'); " + LOOP_FOREVER, kind="filter", tenant_id="tenant-a")
    assert never_ran.kind == "ok" and never_ran.console == []  # a loop that compiles is not run, so no timeout
    action = await pool.check("console.log(meta.collection);", kind="action", tenant_id="tenant-a")
    assert action.kind == "ok"
