"""Responses that are not JSON envelopes: files handed out by REST routes."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from graphql_api.context import Context
from resolvers.data_io.service import export_file
from rest_compat.envelope import success


async def export_download(status: dict[str, Any], context: Context) -> Response:
    """The finished file; until then 202 with the export's progress in the envelope."""
    if status["status"] != "completed":
        return success(status, request_id=context.request_id, status=202 if status["status"] in ("pending", "running") else 200)
    exported = await export_file(context.principal, status["export_id"], context.runtime)
    headers = {"Content-Disposition": f'attachment; filename="{exported.filename}"', "X-Request-Id": context.request_id}
    return Response(exported.data, media_type=exported.content_type, headers=headers)


async def plain_json(document: Any, context: Context) -> Response:
    """A document that is its own format (OpenAPI), not wrapped in the envelope."""
    return JSONResponse(document, headers={"X-Request-Id": context.request_id})
