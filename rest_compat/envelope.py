"""The REST envelope: `{success, data, request_id}` and `{success: false, error, request_id}`."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from graphql_api import json_body
from resolvers.errors import DomainError


class EnvelopeResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json_body.encode(content)


def success(data: Any, *, request_id: str, status: int = 200) -> EnvelopeResponse:
    return EnvelopeResponse({"success": True, "data": data, "request_id": request_id}, status_code=status)


def error_response(error: DomainError, *, request_id: str) -> EnvelopeResponse:
    body = {"success": False, "error": error.payload(), "request_id": request_id}
    return EnvelopeResponse(body, status_code=error.status, headers=error.headers())
