from django.db import migrations


def load_regions(apps, schema_editor):
    from portal.reference import REGIONS

    Region = apps.get_model("portal", "Region")
    by_code = {}
    for seed in REGIONS:
        parent = by_code.get(seed.parent)
        path = (parent.path if parent else "") + f"{seed.code}/"
        region, _ = Region.objects.update_or_create(
            code=seed.code,
            defaults={"name": seed.name, "name_en": seed.name_en, "level": seed.level, "parent": parent,
                      "path": path, "official": seed.official},
        )
        by_code[seed.code] = region


PROTECT_SQL = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'portal_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_auditevent_no_update BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only();
"""
UNPROTECT_SQL = """
DROP TRIGGER IF EXISTS portal_auditevent_no_update ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_auditevent_append_only();
"""


def protect_audit(apps, schema_editor):
    # The database itself refuses to rewrite history, whatever the ORM or an admin does (R23).
    # TRUNCATE stays with the table owner: production runs the app as a non-owner role.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PROTECT_SQL)


def unprotect_audit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNPROTECT_SQL)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.RunPython(load_regions, migrations.RunPython.noop),
        migrations.RunPython(protect_audit, unprotect_audit),
    ]
