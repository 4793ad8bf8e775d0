from tortoise import migrations
from tortoise.migrations import operations as ops

# The relay's numbering step as one function, so a relay pass is one round trip instead of four
# (BEGIN, lock, number, COMMIT). A VOLATILE PL/pgSQL function takes a fresh snapshot for each
# statement: the rows to number are read only once the advisory lock is held, as before (see
# resolvers/events/repository.sequence_batch). The lock key is RELAY_LOCK there. PostgreSQL only:
# SQLite numbers in Python (one writer at a time).
SEQUENCE_FUNCTION = """
CREATE OR REPLACE FUNCTION basalt_sequence_events(batch integer, stamp timestamptz)
RETURNS SETOF events LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(108170687114356);
    RETURN QUERY
    WITH claimed AS (
        SELECT ev.id, ev.tenant_id FROM events ev WHERE ev.seq IS NULL ORDER BY ev.id LIMIT batch
    ), counts AS (
        SELECT c.tenant_id, count(*) AS n FROM claimed c GROUP BY c.tenant_id
    ), bumped AS (
        INSERT INTO event_sequences AS s (tenant_id, last_seq) SELECT k.tenant_id, k.n FROM counts k ORDER BY k.tenant_id
        ON CONFLICT (tenant_id) DO UPDATE SET last_seq = s.last_seq + EXCLUDED.last_seq
        RETURNING s.tenant_id, s.last_seq
    ), numbered AS (
        SELECT c.id, b.last_seq - count(*) OVER (PARTITION BY c.tenant_id)
               + row_number() OVER (PARTITION BY c.tenant_id ORDER BY c.id) AS seq
        FROM claimed c JOIN bumped b ON b.tenant_id = c.tenant_id
    ), updated AS (
        UPDATE events AS e SET seq = numbered.seq, published_at = stamp
        FROM numbered WHERE e.id = numbered.id
        RETURNING e.*
    )
    SELECT * FROM updated;
END
$fn$;
"""


async def create_function(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(SEQUENCE_FUNCTION)


async def drop_function(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script("DROP FUNCTION IF EXISTS basalt_sequence_events(integer, timestamptz)")


class Migration(migrations.Migration):
    dependencies = [('basalt', '0022_extensions')]

    initial = False

    operations = [
        ops.RunPython(create_function, drop_function),
    ]
