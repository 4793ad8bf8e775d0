from tortoise import migrations
from tortoise.migrations import operations as ops
from models.jsoncodec import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('basalt', '0006_end_user_auth')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuthConfig',
            fields=[
                ('tenant_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('config', fields.JSONField(default=dict, encoder=dumps, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'auth_configs', 'app': 'basalt', 'pk_attr': 'tenant_id'},
            bases=['Model'],
        ),
    ]
