from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('basalt', '0017_governance')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Comment',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('tenant_id', fields.CharField(db_index=True, max_length=40)),
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('object_type_id', fields.CharField(max_length=40)),
                ('object_id', fields.CharField(max_length=40)),
                ('author_id', fields.CharField(max_length=40)),
                ('body', fields.TextField(unique=False)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'comments', 'app': 'basalt', 'indexes': [Index(fields=['tenant_id', 'object_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['TenantOwnedModel'],
        ),
    ]
