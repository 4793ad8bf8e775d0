from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0004_wrapped_property_defaults')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('seq', fields.BigIntField(null=True)),
                ('type', fields.CharField(max_length=100)),
                ('custom', fields.BooleanField(default=False)),
                ('object_type_id', fields.CharField(null=True, max_length=40)),
                ('object_id', fields.CharField(null=True, max_length=40)),
                ('data', fields.JSONField(default=dict, encoder=dumps, decoder=loads)),
                ('changed', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('actor', fields.CharField(null=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'events', 'app': 'basalt', 'unique_together': (('tenant_id', 'seq'),), 'indexes': [Index(fields=['tenant_id', 'custom', 'id']), Index(fields=['created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventSequence',
            fields=[
                ('tenant_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('last_seq', fields.BigIntField(default=0)),
            ],
            options={'table': 'event_sequences', 'app': 'basalt', 'pk_attr': 'tenant_id'},
            bases=['Model'],
        ),
        # What the relay scans for: events not yet sequenced (a partial index stays tiny).
        ops.RunSQL(
            "CREATE INDEX ix_events_unsequenced ON events (id) WHERE seq IS NULL",
            reverse_sql="DROP INDEX ix_events_unsequenced",
        ),
    ]
