from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from models.jsoncodec import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Association',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('from_type', fields.CharField(max_length=40)),
                ('from_id', fields.CharField(db_index=True, max_length=40)),
                ('association_type', fields.CharField(max_length=63)),
                ('to_type', fields.CharField(max_length=40)),
                ('to_id', fields.CharField(db_index=True, max_length=40)),
                ('meta', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'associations', 'app': 'basalt', 'unique_together': (('tenant_id', 'from_id', 'association_type', 'to_id'),), 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='DataExport',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('object_type_id', fields.CharField(max_length=40)),
                ('format', fields.CharField(max_length=8)),
                ('where', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('record_count', fields.IntField(default=0)),
                ('processed', fields.IntField(default=0)),
                ('storage_key', fields.CharField(null=True, max_length=300)),
                ('error', fields.TextField(null=True, unique=False)),
                ('claimed_by', fields.CharField(null=True, max_length=60)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(null=True, max_length=40)),
            ],
            options={'table': 'data_exports', 'app': 'basalt', 'indexes': [Index(fields=['status', 'lease_until'])], 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='DataObject',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('object_type_id', fields.CharField(max_length=40)),
                ('properties', fields.JSONField(default=dict, encoder=dumps, decoder=loads)),
                ('version', fields.IntField(default=1)),
                ('created_by', fields.CharField(null=True, max_length=40)),
                ('updated_by', fields.CharField(null=True, max_length=40)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'objects', 'app': 'basalt', 'indexes': [Index(fields=['object_type_id', 'deleted_at', 'created_at', 'id'])], 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='ObjectType',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('name', fields.CharField(max_length=63)),
                ('display_name', fields.CharField(max_length=200)),
            ],
            options={'table': 'object_types', 'app': 'basalt', 'unique_together': (('tenant_id', 'name'),), 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='ObjectVersion',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('tenant_id', fields.CharField(max_length=40)),
                ('object_id', fields.CharField(max_length=40)),
                ('object_type_id', fields.CharField(max_length=40)),
                ('version', fields.IntField()),
                ('properties', fields.JSONField(encoder=dumps, decoder=loads)),
                ('created_by', fields.CharField(null=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'object_versions', 'app': 'basalt', 'unique_together': (('object_id', 'version'),), 'pk_attr': 'id', 'table_description': 'The state an object had at `version`, kept when a newer version replaced it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Property',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('object_type_id', fields.CharField(db_index=True, max_length=40)),
                ('name', fields.CharField(max_length=64)),
                ('data_type', fields.CharField(max_length=20)),
                ('is_indexed', fields.BooleanField(default=False)),
                ('is_sortable', fields.BooleanField(default=False)),
                ('is_unique', fields.BooleanField(default=False)),
                ('is_required', fields.BooleanField(default=False)),
                ('default_value', fields.JSONField(null=True, encoder=dumps, decoder=loads)),
                ('enum_values', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('description', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'properties', 'app': 'basalt', 'unique_together': (('object_type_id', 'name'),), 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
        ops.CreateModel(
            name='SavedView',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('object_type_id', fields.CharField(db_index=True, max_length=40)),
                ('name', fields.CharField(max_length=100)),
                ('filters', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('sort', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('columns', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.CharField(null=True, max_length=40)),
            ],
            options={'table': 'saved_views', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
    ]
