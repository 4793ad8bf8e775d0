"""The `api` helper of extension routes (../spec/000): responses written naturally.

    from resolvers.plugins.api import api

    @api
    async def POST(request):
        if not request.body or not request.body.get("email"):
            return api.bad_request("Email required")
        return api.json({"ok": True})

A handler may also return a plain dict (200 JSON) or `{"__api_response": True, "status": 400,
"body": {...}}` as the contract's TypeScript examples do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class Api:
    def __call__(self, handler: F) -> F:
        """Wrap a handler (kept for the contract's `api(async (request) => ...)` form)."""
        return handler

    @staticmethod
    def json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> ApiResponse:
        return ApiResponse(status, data, dict(headers or {}))

    @staticmethod
    def bad_request(message: str, data: Any = None) -> ApiResponse:
        body: dict[str, Any] = {"error": message}
        if data is not None:
            body["details"] = data
        return ApiResponse(400, body)

    @staticmethod
    def unauthorized(message: str = "Unauthorized") -> ApiResponse:
        return ApiResponse(401, {"error": message})

    @staticmethod
    def forbidden(message: str = "Forbidden") -> ApiResponse:
        return ApiResponse(403, {"error": message})

    @staticmethod
    def not_found(message: str = "Resource not found") -> ApiResponse:
        return ApiResponse(404, {"error": message})

    @staticmethod
    def error(message: str = "Internal server error", status: int = 500) -> ApiResponse:
        return ApiResponse(status, {"error": message})


api = Api()


def as_response(result: Any) -> ApiResponse:
    """What a handler returned, as a response: ApiResponse, the contract's explicit dict, or data."""
    if isinstance(result, ApiResponse):
        return result
    if isinstance(result, dict) and result.get("__api_response") is True:
        return ApiResponse(int(result.get("status", 200)), result.get("body"), dict(result.get("headers") or {}))
    return ApiResponse(200, result)
