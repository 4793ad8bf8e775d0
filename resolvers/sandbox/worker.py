"""A sandbox worker process: runs tenant JavaScript in QuickJS, one job at a time.

Started by `pool.SandboxPool` as `python -I worker.py`, with an empty environment, and talks
JSON lines over its stdin/stdout only. Each job gets a fresh QuickJS context with the job's
memory limit and a CPU time limit (QuickJS interrupts the code at its deadline; the server kills
the whole process if it does not answer in time). The code sees no filesystem, network, process
or environment: QuickJS has none of them unless a host adds them, and the only host function is
the `__host` call queue in prelude.js, which this loop forwards to the server and answers.

This file imports nothing from Basalt: it must start fast, and it runs outside the package.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import quickjs

PRELUDE = (Path(__file__).parent / "prelude.js").read_text()
ADDRESS_SPACE_BYTES = 2 << 30  # belt and braces under QuickJS's own per-job memory limit
MAX_RESULT_BYTES = 1 << 20


def harden() -> None:
    """Limits the worker keeps for life: no file writes, no new processes, bounded memory."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Channel:
    """JSON lines to and from the server."""

    def __init__(self) -> None:
        self.reader = sys.stdin.buffer
        self.writer = sys.stdout.buffer

    def send(self, message: dict[str, Any]) -> None:
        self.writer.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self.writer.flush()

    def receive(self) -> dict[str, Any] | None:
        line = self.reader.readline()
        return json.loads(line) if line else None


def classify(message: str) -> str:
    """What stopped the code, from QuickJS's own error text."""
    if "interrupted" in message:
        return "timeout"
    if "out of memory" in message:
        return "memory"
    if "stack overflow" in message:
        return "crash"
    return "thrown"


def fresh_context() -> quickjs.Context:
    """A new context with the prelude loaded. The worker makes the next job's while it waits for
    it (a job never sees another's context), so a job starts without that cost."""
    context = quickjs.Context()
    context.eval(PRELUDE)
    return context


class Job:
    def __init__(self, channel: Channel, request: dict[str, Any], context: quickjs.Context) -> None:
        self.channel = channel
        self.request = request
        self.deadline = time.monotonic() + request["timeout_ms"] / 1000
        self.context = context
        self.context.set_memory_limit(int(request["memory_mb"]) << 20)
        self.context.set_max_stack_size(512 << 10)

    def step(self, source: str) -> Any:
        """Evaluate with what is left of the job's time (QuickJS counts each call on its own)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise quickjs.JSException("InternalError: interrupted")
        self.context.set_time_limit(left)
        return self.context.eval(source)

    def drain(self) -> None:
        """Run promise jobs until the code waits on the host or is done."""
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise quickjs.JSException("InternalError: interrupted")
            self.context.set_time_limit(left)
            if not self.context.execute_pending_job():
                return

    def run(self) -> dict[str, Any]:
        request = self.request
        if request["kind"] == "check":
            self.step(f"__compile({json.dumps(request['as'])}, {json.dumps(request['code'])})")
            return {"ok": True, "value": None}
        arguments = json.dumps(request.get("args") or {})
        self.step(f"__start({json.dumps(request['kind'])}, {json.dumps(request['code'])}, {arguments}, {json.dumps(request.get('env') or {})})")
        while True:
            self.drain()
            calls = json.loads(self.step("__take()"))
            if not calls:
                break
            for call in calls:
                self.answer(call)
        finished = self.step("__finish()")
        if finished == "null":
            return {"ok": False, "kind": "crash", "message": "the code never finished (it awaited something that never settles)"}
        if len(finished) > MAX_RESULT_BYTES:
            return {"ok": False, "kind": "crash", "message": f"the result is larger than {MAX_RESULT_BYTES // 1024} KB"}
        outcome = json.loads(finished)
        if not outcome["ok"]:
            name, message = outcome.get("name", "Error"), outcome.get("message", "")
            kind = classify(f"{name}: {message}") if name == "InternalError" else "thrown"
            return {"ok": False, "kind": kind, "message": message}
        return outcome

    def answer(self, call: dict[str, Any]) -> None:
        self.channel.send({"op": "call", "name": call["name"], "args": call["args"]})
        reply = self.channel.receive()
        if reply is None:
            raise SystemExit(0)  # the server went away
        value = json.dumps(reply.get("value"))
        self.step(f"__resolve({int(call['id'])}, {'true' if reply.get('ok') else 'false'}, {value})")

    def console(self) -> list[dict[str, str]]:
        try:
            return json.loads(self.context.eval("JSON.stringify(__console)"))
        except Exception:
            return []


def plain_words(outcome: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """Say which limit stopped the code, in the job's own terms."""
    if outcome.get("kind") == "timeout":
        return {**outcome, "message": f"did not finish within {request.get('limit_ms', request['timeout_ms'])} ms"}
    if outcome.get("kind") == "memory":
        return {**outcome, "message": f"went over its memory limit of {request['memory_mb']} MB"}
    return outcome


def serve() -> None:
    channel = Channel()
    harden()
    context = fresh_context()
    channel.send({"op": "ready"})
    while True:
        request = channel.receive()
        if request is None:
            return
        started = time.perf_counter()
        job = Job(channel, request, context)
        try:
            outcome = job.run()
        except quickjs.JSException as exc:
            text = str(exc).split("\n", 1)[0]
            kind = classify(text)
            outcome = {"ok": False, "kind": "syntax" if text.startswith("SyntaxError") else kind, "message": text}
        except quickjs.StackOverflow:
            outcome = {"ok": False, "kind": "crash", "message": "InternalError: stack overflow"}
        except MemoryError:
            outcome = {"ok": False, "kind": "memory", "message": "out of memory"}
        outcome = plain_words(outcome, request)
        outcome["console"] = job.console()
        outcome["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        channel.send({"op": "done", **outcome})
        del job, context  # the used context is freed, and the next one made, while no job waits
        context = fresh_context()


if __name__ == "__main__":
    serve()
