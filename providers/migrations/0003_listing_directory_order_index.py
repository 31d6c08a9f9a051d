"""An index for the public directory's stable order (name, id), PostgreSQL only: the first page of
10 k listings then reads 20 index entries instead of sorting the table. SQLite (tests, small
installs) sorts a few rows and needs nothing. Done in SQL rather than in the model's Meta because
the model belongs to the registry's core and this index serves only the directory's order."""

from django.db import migrations

INDEX = "providers_listing_directory_order"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON providers_listing (name, id)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_pool_lifecycle")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
