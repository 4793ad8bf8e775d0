"""Property defaults are stored wrapped ({"value": …}); migration 0004 wraps the ones stored bare."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from models.properties import Property
from resolvers import db
from tests.support import TenantHandle, make_type

migration = importlib.import_module("models.migrations.0004_wrapped_property_defaults")


async def test_bare_defaults_are_wrapped_and_read_back_unchanged(tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "deals")
    bare = {"prop_bare0001": '"lead"', "prop_bare0002": '{"a": [1, 2]}', "prop_bare0003": '{"value": 7}', "prop_bare0004": "true"}
    for prop_id, stored in bare.items():
        sql = db.Sql(db.dialect())
        values = [sql.param(v) for v in (prop_id, tenant.tenant_id, type_id, prop_id[-4:], "json", stored)]
        await db.execute(
            "INSERT INTO properties (id, tenant_id, object_type_id, name, data_type, default_value, is_indexed, is_sortable,"
            f" is_unique, is_required, created_at, updated_at) VALUES ({', '.join(values)}, false, false, false, false,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            sql.params,
        )

    await migration.wrap_defaults(None, SimpleNamespace(client=db.connection()))
    await migration.wrap_defaults(None, SimpleNamespace(client=db.connection()))  # running twice changes nothing

    read = {p.id: p.default_value for p in await Property.filter(tenant_id=tenant.tenant_id)}
    # {"value": 7} looked wrapped already: the one bare value the migration cannot tell apart
    assert read == {"prop_bare0001": "lead", "prop_bare0002": {"a": [1, 2]}, "prop_bare0003": 7, "prop_bare0004": True}
