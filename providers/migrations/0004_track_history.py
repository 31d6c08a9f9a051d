from django.db import migrations

from portal.history import track


class Migration(migrations.Migration):
    """Database-level history (docs/security.md R24) of the provider registry's state tables: profile
    versions (submission, approval, publication), pool applications and members, expert score
    sheets, objections, re-checks, appeals, complaints and case confirmations. PostgreSQL records
    every change (also QuerySet.update() and raw SQL) with the acting user; SQLite has no triggers."""

    dependencies = [
        ("providers", "0003_listing_directory_order_index"),
        ("portal", "0006_record_history"),
    ]

    operations = [
        migrations.RunPython(*track("providers_profileversion", "providers_poolapplication", "providers_poolmember",
                                    "providers_expertscore", "providers_objection", "providers_recheck",
                                    "providers_appeal", "providers_complaint", "providers_caseconfirmation")),
    ]
