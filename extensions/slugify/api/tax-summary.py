"""GET /api/ext/slugify/tax-summary?start=YYYY-MM-DD&end=YYYY-MM-DD (../spec/000's minimal route)."""

from __future__ import annotations

from typing import Any

from resolvers.plugins.schemas import RouteContext

config = {"auth": "api_key"}


async def GET(ctx: RouteContext) -> dict[str, Any]:
    start, end = ctx.search_params.get("start"), ctx.search_params.get("end")
    if not start or not end:
        return {
            "__api_response": True,
            "status": 400,
            "body": {"error": "Missing required query parameters: start, end (YYYY-MM-DD)"},
        }
    records = await ctx.items("tax_records").read_by_query({"filter": {"date": {"gte": start, "lte": end}}, "limit": 100})
    return {"period": {"start": start, "end": end}, "records": records}
