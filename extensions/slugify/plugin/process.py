"""POST /api/v1/plugin/slugify/process and GET for its health (../spec/001's route, in Python).

Authentication (a user token or an API key) and the plugin being installed and enabled for the
caller's tenant are checked before the handler runs; the body is validated against
`input_schema` (400 with each field's problem).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, Field

from resolvers.plugins.api import api
from resolvers.plugins.schemas import RouteContext


class Options(BaseModel):
    format: Optional[Literal["json", "text", "html"]] = None
    timeout: Optional[int] = Field(default=None, ge=1000, le=30000)


class ProcessInput(BaseModel):
    input: str = Field(min_length=1, max_length=10000)
    options: Optional[Options] = None


input_schema = ProcessInput


@api
async def POST(request: RouteContext) -> Any:
    """Slugify `input` with the tenant's plugin config (separator, max_length)."""
    from basalt_extensions.slugify import slugify  # the extension's package, loaded before its routes

    body: ProcessInput = request.input
    slug = slugify(body.input, request.config.get("separator", "-"), request.config.get("max_length", 80))
    if body.options is not None and body.options.format == "html":
        return api.json({"success": True, "data": {"html": f"<code>{slug}</code>"}})
    return api.json({"success": True, "data": {"slug": slug, "length": len(slug)}})


@api
async def GET(request: RouteContext) -> Any:
    return {"status": "healthy", "plugin": "slugify", "version": "1.0.0"}
