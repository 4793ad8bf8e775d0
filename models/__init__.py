"""Tortoise models, one module per domain, and the checked-in migrations.

`MODEL_MODULES` is the single list the ORM config, the migrations and the CLI read.
"""

MODEL_MODULES = [
    "models.tenants",
    "models.api_keys",
    "models.secure_delete",
]
