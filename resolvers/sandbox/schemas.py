"""What the sandbox runs and what comes back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["filter", "action", "function"]
# ok: the code returned; thrown: it threw (its message is for the caller); timeout, memory,
# crash: it was stopped at a limit or broke; syntax: it does not compile.
OutcomeKind = Literal["ok", "thrown", "timeout", "memory", "crash", "syntax"]

MIN_TIMEOUT_MS = 10
DEFAULT_TIMEOUT_MS = 5000
MAX_TIMEOUT_MS = 30_000
MIN_MEMORY_MB = 8
DEFAULT_MEMORY_MB = 64
MAX_MEMORY_MB = 256
MAX_CODE_BYTES = 100 * 1024
KILL_GRACE_SECONDS = 0.5  # past its deadline, a worker that has not answered is killed

# A host call from the code: (name, args) -> JSON value; raising HostError rejects the JS promise.
HostCalls = Callable[[str, list[Any]], Awaitable[Any]]


def checked_code(value: Any, signature: str) -> str:
    """Tenant code as saved: the body of a JavaScript function of `signature`, within the size limit."""
    from resolvers.errors import ValidationError

    if not isinstance(value, str) or not value.strip():
        raise ValidationError.single("code", f"must be the body of a JavaScript function of {signature}")
    if len(value.encode()) > MAX_CODE_BYTES:
        raise ValidationError.single("code", f"may be at most {MAX_CODE_BYTES // 1024} KB")
    return value


def checked_timeout_ms(value: Any) -> int:
    """A saved hook's or function's time limit per run."""
    from resolvers.paging import bounded_int

    return bounded_int(value, "timeout_ms", default=DEFAULT_TIMEOUT_MS, low=MIN_TIMEOUT_MS, high=MAX_TIMEOUT_MS)


def checked_memory_mb(value: Any) -> int:
    """A saved hook's or function's memory limit per run."""
    from resolvers.paging import bounded_int

    return bounded_int(value, "memory_limit_mb", default=DEFAULT_MEMORY_MB, low=MIN_MEMORY_MB, high=MAX_MEMORY_MB)


class HostError(Exception):
    """A host call failed in a way the code may see and handle (its message reaches the code)."""


@dataclass(frozen=True)
class Job:
    kind: Kind
    code: str
    tenant_id: str
    args: dict[str, Any] = field(default_factory=dict)  # payload / meta / context / input
    env: dict[str, str] = field(default_factory=dict)
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    memory_mb: int = DEFAULT_MEMORY_MB


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    value: Any = None
    message: str = ""
    console: list[dict[str, str]] = field(default_factory=list)
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    @property
    def failed(self) -> bool:
        """Stopped or broken, as opposed to returning or throwing on purpose."""
        return self.kind not in ("ok", "thrown")

    def error_text(self) -> str:
        labels = {
            "thrown": "threw", "timeout": "timed out", "memory": "ran out of memory", "crash": "crashed", "syntax": "does not compile",
        }
        return f"{labels.get(self.kind, self.kind)}: {self.message}" if self.message else labels.get(self.kind, self.kind)
