from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0019_audit_log')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccessPolicy',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('object_type_id', fields.CharField(max_length=40)),
                ('name', fields.CharField(max_length=200)),
                ('action', fields.CharField(max_length=8)),
                ('role', fields.CharField(null=True, max_length=63)),
                ('condition_json', fields.JSONField(default=dict, encoder=dumps, decoder=loads)),
                ('enabled', fields.BooleanField(default=True)),
            ],
            options={'table': 'access_policies', 'app': 'basalt', 'indexes': [Index(fields=['tenant_id', 'object_type_id', 'action'])], 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
    ]
