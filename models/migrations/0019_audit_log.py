from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0018_comments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('seq', fields.BigIntField()),
                ('action', fields.CharField(max_length=80)),
                ('resource_type', fields.CharField(max_length=40)),
                ('resource_id', fields.CharField(null=True, max_length=80)),
                ('actor', fields.CharField(null=True, max_length=80)),
                ('actor_kind', fields.CharField(null=True, max_length=16)),
                ('before', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('ip', fields.CharField(null=True, max_length=64)),
                ('request_id', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_entries', 'app': 'basalt', 'unique_together': (('tenant_id', 'seq'),), 'indexes': [Index(fields=['tenant_id', 'action', 'created_at']), Index(fields=['tenant_id', 'resource_type', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditHead',
            fields=[
                ('tenant_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('last_seq', fields.BigIntField(default=0)),
                ('last_hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_heads', 'app': 'basalt', 'pk_attr': 'tenant_id'},
            bases=['Model'],
        ),
    ]
