from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0015_automations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Role',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('name', fields.CharField(max_length=63)),
                ('description', fields.CharField(null=True, max_length=500)),
                ('parent_role_id', fields.CharField(null=True, max_length=40)),
                ('permissions', fields.JSONField(default=list, encoder=dumps, decoder=loads)),
            ],
            options={'table': 'roles', 'app': 'basalt', 'unique_together': (('tenant_id', 'name'),), 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='UserRole',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('user_id', fields.CharField(max_length=40)),
                ('role_id', fields.CharField(max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'user_roles', 'app': 'basalt', 'unique_together': (('tenant_id', 'user_id', 'role_id'),), 'indexes': [Index(fields=['tenant_id', 'role_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Tenant',
            name='roles_version',
            field=fields.BigIntField(null=True),
        ),
    ]
