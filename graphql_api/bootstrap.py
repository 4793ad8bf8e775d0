"""First start in development: a tenant and a `*` key, so the next command can be a curl."""

from __future__ import annotations

import json
import os
from typing import Any

from graphql_api.settings import Settings
from resolvers.api_keys.service import create_root_key
from resolvers.tenants import repository as tenants
from resolvers.tenants.service import create_tenant

CREDENTIALS_FILE = "dev-credentials.json"


async def ensure_dev_credentials(settings: Settings) -> tuple[dict[str, Any] | None, bool]:
    """Return (credentials, created_now). Credentials come from ./var when tenants already exist."""
    path = settings.var_dir / CREDENTIALS_FILE
    if await tenants.count() == 0:
        tenant = await create_tenant("Development")
        created = await create_root_key(tenant.id, label="development", scopes=["*"])
        credentials = {"tenant_id": tenant.id, "api_key": created.token, "scopes": ["*"]}
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(credentials, handle, indent=2)
        return credentials, True
    if path.exists():
        return json.loads(path.read_text()), False
    return None, False
