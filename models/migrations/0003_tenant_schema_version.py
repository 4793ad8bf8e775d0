from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('basalt', '0002_data_plane')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Tenant',
            name='schema_version',
            field=fields.BigIntField(default=0),
        ),
    ]
