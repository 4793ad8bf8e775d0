from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from models.properties import DefaultValueField


async def wrap_defaults(apps, schema_editor) -> None:
    """Defaults stored bare before this migration become {"value": …} (already wrapped ones stay)."""
    client = schema_editor.client
    marks = ("$1", "$2") if client.capabilities.dialect == "postgres" else ("?", "?")
    rows = await client.execute_query_dict("SELECT id, default_value FROM properties WHERE default_value IS NOT NULL")
    for row in rows:
        raw = row["default_value"]
        value = loads(raw) if isinstance(raw, (str, bytes)) else raw
        if isinstance(value, dict) and set(value) == {"value"}:
            continue
        await client.execute_query(
            f"UPDATE properties SET default_value = {marks[0]} WHERE id = {marks[1]}", [dumps({"value": value}), row["id"]]
        )


class Migration(migrations.Migration):
    dependencies = [('basalt', '0003_tenant_schema_version')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Property',
            name='default_value',
            field=DefaultValueField(null=True, encoder=dumps, decoder=loads),
        ),
        ops.RunPython(wrap_defaults, ops.RunPython.noop),
    ]
