from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0014_scheduled_jobs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Automation',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.CharField(null=True, max_length=1000)),
                ('trigger_event', fields.CharField(max_length=120)),
                ('conditions', fields.JSONField(default=list, encoder=dumps, decoder=loads)),
                ('actions', fields.JSONField(default=list, encoder=dumps, decoder=loads)),
                ('enabled', fields.BooleanField(default=True)),
                ('created_by', fields.CharField(null=True, max_length=40)),
            ],
            options={'table': 'automations', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='AutomationCursor',
            fields=[
                ('tenant_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('last_seq', fields.BigIntField(default=0)),
            ],
            options={'table': 'automation_cursors', 'app': 'basalt', 'pk_attr': 'tenant_id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AutomationRun',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('automation_id', fields.CharField(max_length=40)),
                ('trigger', fields.CharField(max_length=16)),
                ('event_seq', fields.BigIntField(null=True)),
                ('event_type', fields.CharField(null=True, max_length=100)),
                ('data', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('depth', fields.IntField(default=1)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('claimed_by', fields.CharField(null=True, max_length=60)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('results', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('error', fields.TextField(null=True, unique=False)),
                ('duration_ms', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'automation_runs', 'app': 'basalt', 'indexes': [Index(fields=['status', 'created_at']), Index(fields=['tenant_id', 'automation_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Event',
            name='depth',
            field=fields.SmallIntField(null=True),
        ),
    ]
