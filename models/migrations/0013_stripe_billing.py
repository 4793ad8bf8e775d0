from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('basalt', '0012_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StripeEvent',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=80)),
                ('type', fields.CharField(max_length=100)),
                ('tenant_id', fields.CharField(null=True, max_length=40)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'stripe_events', 'app': 'basalt', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Tenant',
            name='stripe_customer_id',
            field=fields.CharField(null=True, db_index=True, max_length=64),
        ),
        ops.AddField(
            model_name='Tenant',
            name='stripe_subscription_id',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
