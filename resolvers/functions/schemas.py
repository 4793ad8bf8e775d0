"""Custom functions: triggers, runtimes, limits, and the errors a run can end with."""

from __future__ import annotations

from resolvers.errors import DomainError

TRIGGER_TYPES = ("http", "event", "schedule")
RUNTIMES = ("javascript",)
MAX_FUNCTIONS_PER_TENANT = 100
MAX_INPUT_BYTES = 256 * 1024
LOGS_DEFAULT_LIMIT = 50
LOGS_MAX_LIMIT = 100


class FunctionThrew(DomainError):
    """The function threw: its message is the answer."""

    code = "FUNCTION_ERROR"
    status = 400
    default_message = "The function threw an error"


class FunctionFailed(DomainError):
    """The function was stopped at a limit or crashed."""

    code = "FUNCTION_FAILED"
    status = 503
    default_message = "The function failed"


class FunctionDisabled(DomainError):
    code = "FUNCTION_DISABLED"
    status = 409
    default_message = "The function is disabled"
