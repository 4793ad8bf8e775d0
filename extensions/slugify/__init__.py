"""Slugify: the example extension. A slug filter hook, an action hook, registered routes, a file
route (tax-summary) and a plugin route (process), each as the contracts in ../shared/spec show
them, in Python. See README.md, "Extensions"."""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel, Field

VERSION = "1.0.0"
MANIFEST = {"name": "slugify", "version": VERSION, "routes": ["/api/ext/slugify/tax-summary", "/api/v1/plugin/slugify/process"]}
log = logging.getLogger("basalt.extensions.slugify")


class Config(BaseModel):
    """What a tenant may set when it installs the plugin (`config_json`)."""

    separator: str = Field(default="-", min_length=1, max_length=3)
    max_length: int = Field(default=80, ge=8, le=200)


CONFIG_SCHEMA = Config


def slugify(text: str, separator: str = "-", max_length: int = 80) -> str:
    return re.sub(r"[^a-z0-9]+", separator, text.lower()).strip(separator)[:max_length]


def register(sdk: Any) -> None:
    async def article_slug(payload: dict[str, Any], meta: dict[str, Any], context: Any) -> dict[str, Any]:
        """Filter: before an article is created, require a title and derive its slug."""
        if not payload.get("title"):
            raise ValueError("Title is required")
        return {**payload, "slug": payload.get("slug") or slugify(str(payload["title"]))}

    async def article_created(meta: dict[str, Any], context: Any) -> None:
        """Action: after commit, note who created the article."""
        log.info("Article created: %s by %s", meta.get("key"), meta.get("actor"))

    sdk.emitter.on_filter("articles.items.create", article_slug)
    sdk.emitter.on_action("articles.items.create", article_created)

    async def list_customers(request: Any, context: Any) -> dict[str, Any]:
        customers = await context.items("customers").read_by_query({"limit": 100})
        return {"data": customers}

    async def create_customer(request: Any, context: Any) -> dict[str, Any]:
        body = await request.json()
        created = await context.items("customers").create_one(body)
        return {"__api_response": True, "status": 201, "body": {"data": {"id": created}}}

    sdk.register_routes({
        "name": "slugify",
        "base_path": "/customers",  # at /api/ext/customers/
        "description": "Customer API",
        "routes": [
            {"method": "GET", "path": "/", "description": "List customers", "required_permission": "customers.read", "handler": list_customers},
            {"method": "POST", "path": "/", "required_permission": "customers.create", "handler": create_customer},
        ],
    })
