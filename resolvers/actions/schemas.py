"""The action engine's vocabulary: action types, limits, and the context a pipeline runs in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from resolvers.principal import Principal

ACTION_TYPES = (
    "send_webhook", "send_email", "create_record", "update_record", "delete_record",
    "enqueue_job", "query_records", "aggregate_records", "transform", "run_function",
)
MAX_ACTIONS = 20
MAX_DEPTH = 5  # an action that triggers an automation that triggers ... stops here, with an error
TIMEOUT_SECONDS = 30.0
QUERY_MAX_LIMIT = 100
AGGREGATES = ("count", "sum", "avg", "min", "max")
MAX_GROUPS = 1000
WEBHOOK_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class Run:
    """One pipeline run: who acts (tenant-scoped), the template data, and how deep the chain is."""

    principal: Principal
    data: dict[str, Any]  # request / event / auth / now / job: what templates can name
    depth: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)  # per action: {type, status, result | error, duration_ms}

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    def template_context(self) -> dict[str, Any]:
        return {**self.data, "actions": [{"result": r.get("result")} for r in self.results]}


class ActionFailed(Exception):
    """An action could not do its work; the run stops and records it. `message` is the detail
    (kept in run records), `public` what an HTTP caller may be told, `status` and `code` how."""

    def __init__(self, index: int, message: str, *, status: int = 500, code: str = "ACTION_FAILED", public: str | None = None) -> None:
        super().__init__(f"actions[{index}]: {message}")
        self.index = index
        self.message = message
        self.status = status
        self.code = code
        self.public = public or message
