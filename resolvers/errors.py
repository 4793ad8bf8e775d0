"""Typed domain errors: a stable code and an HTTP status, mapped once per transport.

Services raise these; `rest_compat.envelope` turns them into `{success: false, error}` and
`graphql_api.errors` into GraphQL errors with `extensions.code`. Nothing else formats errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar


@dataclass(frozen=True)
class FieldError:
    """One invalid input field; `field` is a dotted path such as `scopes[1]`."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    code: ClassVar[str] = "INTERNAL_ERROR"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal server error"

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def extra(self) -> dict[str, Any]:
        """Fields placed beside code/message in the error object (e.g. confirm_token)."""
        return {}

    def headers(self) -> dict[str, str]:
        return {}

    def payload(self) -> dict[str, Any]:
        """The error as both transports show it: code, message, details and extra fields."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        body.update(self.extra())
        return body


class ValidationError(DomainError):
    code = "VALIDATION_ERROR"
    status = 400
    default_message = "Request validation failed"

    def __init__(self, errors: list[FieldError], message: str | None = None) -> None:
        super().__init__(message, details=[e.as_dict() for e in errors])
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> "ValidationError":
        return cls([FieldError(field, message)], message=f"{field}: {message}")


def reject_unknown_fields(data: Any, allowed: Any, what: str) -> None:
    """400 naming every key of `data` that is not one of `allowed` ("… is not a {what} field")."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError([FieldError(name, f"is not a {what} field") for name in unknown])


def collect_errors(errors: list[FieldError], check: Callable[[], Any], default: Any = None) -> Any:
    """Run one field's check; its validation errors join `errors` (so a form reports every bad
    field at once) and `default` stands in for the value."""
    try:
        return check()
    except ValidationError as exc:
        errors.extend(exc.errors)
        return default


class InvalidJson(DomainError):
    code = "INVALID_JSON"
    status = 400
    default_message = "Request body is not valid JSON"


class Unauthorized(DomainError):
    code = "UNAUTHORIZED"
    status = 401
    default_message = "Missing or invalid credentials"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="basalt"'}


class Forbidden(DomainError):
    code = "FORBIDDEN"
    status = 403
    default_message = "You are not allowed to do this"


class InsufficientScope(Forbidden):
    code = "INSUFFICIENT_SCOPE"
    default_message = "The credentials lack the required scope"


class TenantSuspended(Forbidden):
    code = "TENANT_SUSPENDED"
    default_message = "This tenant is suspended"


class IpNotAllowed(Forbidden):
    code = "IP_NOT_ALLOWED"
    default_message = "Requests from this IP address are not allowed for these credentials"


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404
    default_message = "Resource not found"


class RouteNotFound(NotFound):
    code = "ROUTE_NOT_FOUND"
    default_message = "No route matches this path"


class MethodNotAllowed(DomainError):
    code = "METHOD_NOT_ALLOWED"
    status = 405
    default_message = "This method is not allowed on this path"

    def __init__(self, allowed: list[str] | None = None) -> None:
        super().__init__(details={"allowed": allowed} if allowed else None)
        self.allowed = allowed or []

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)} if self.allowed else {}


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409
    default_message = "The request conflicts with the current state"


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413
    default_message = "Request body is too large"


class RateLimited(DomainError):
    code = "RATE_LIMITED"
    status = 429
    default_message = "Too many requests"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = max(1, retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(DomainError):
    code = "SERVICE_UNAVAILABLE"
    status = 503
    default_message = "The service is not ready"


class PolicyViolation(Forbidden):
    code = "POLICY_VIOLATION"
    default_message = "A row-level policy does not allow this row"


class QuotaExceeded(Forbidden):
    code = "QUOTA_EXCEEDED"
    default_message = "The tenant's plan quota is used up"


class AlreadyExists(Conflict):
    code = "ALREADY_EXISTS"
    default_message = "A resource with this name already exists"


class DuplicateValue(Conflict):
    """A write would break a property's `is_unique` (enforced by a unique index)."""

    code = "DUPLICATE_VALUE"
    default_message = "A unique property already has this value"


class VersionConflict(Conflict):
    """Optimistic concurrency: the object changed since the client read it."""

    code = "VERSION_CONFLICT"
    default_message = "The object was changed by someone else; reload it and retry"


class UpgradeRequired(DomainError):
    code = "UPGRADE_REQUIRED"
    status = 426
    default_message = "This endpoint speaks WebSocket: send an Upgrade: websocket request"

    def headers(self) -> dict[str, str]:
        return {"Upgrade": "websocket", "Connection": "Upgrade"}
