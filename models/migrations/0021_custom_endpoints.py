from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0020_access_policies')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomEndpoint',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('name', fields.CharField(max_length=200)),
                ('path', fields.CharField(max_length=500)),
                ('shape', fields.CharField(max_length=500)),
                ('method', fields.CharField(max_length=8)),
                ('auth_required', fields.BooleanField(default=True)),
                ('condition', fields.TextField(null=True, unique=False)),
                ('actions', fields.JSONField(default=list, encoder=dumps, decoder=loads)),
                ('response_template', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('enabled', fields.BooleanField(default=True)),
                ('created_by', fields.CharField(null=True, max_length=40)),
            ],
            options={'table': 'custom_endpoints', 'app': 'basalt', 'unique_together': (('tenant_id', 'method', 'shape'),), 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='EndpointExecution',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('endpoint_id', fields.CharField(max_length=40)),
                ('method', fields.CharField(max_length=8)),
                ('path', fields.CharField(max_length=2000)),
                ('status_code', fields.IntField()),
                ('outcome', fields.CharField(max_length=16)),
                ('duration_ms', fields.IntField()),
                ('actions', fields.JSONField(default=list, encoder=dumps, decoder=loads)),
                ('error_code', fields.CharField(null=True, max_length=60)),
                ('error', fields.TextField(null=True, unique=False)),
                ('request_id', fields.CharField(null=True, max_length=80)),
                ('principal_kind', fields.CharField(null=True, max_length=16)),
                ('actor', fields.CharField(null=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'custom_endpoint_executions', 'app': 'basalt', 'indexes': [Index(fields=['tenant_id', 'endpoint_id', 'created_at']), Index(fields=['created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
