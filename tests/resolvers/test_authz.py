"""The one authorization module."""

from __future__ import annotations

import pytest

from resolvers.authz import covers, require_scope
from resolvers.errors import InsufficientScope, Unauthorized
from resolvers.principal import Principal


def principal(*scopes: str) -> Principal:
    return Principal(tenant_id="tn_x", kind="api_key", scopes=frozenset(scopes))


def test_scope_checks() -> None:
    assert require_scope(principal("read"), "read").scopes == {"read"}
    assert require_scope(principal("*"), "schema").is_tenant_admin
    with pytest.raises(InsufficientScope):
        require_scope(principal("read"), "write")
    with pytest.raises(Unauthorized):
        require_scope(None, "read")


def test_covers() -> None:
    assert covers({"*"}, {"read", "ai"})
    assert covers({"read", "write"}, {"read"})
    assert not covers({"read"}, {"read", "write"})
    assert not covers({"read"}, {"*"})
