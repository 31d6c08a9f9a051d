from django.db import migrations

from portal.history import track


class Migration(migrations.Migration):
    """Database-level history (docs/security.md R24) of the diagnosis state tables: assessments
    (submission, approval, return), review corrections, expert assignments and reports."""

    dependencies = [
        ("diagnosis", "0005_report_enqueued_at"),
        ("portal", "0006_record_history"),
    ]

    operations = [
        migrations.RunPython(*track("diagnosis_assessment", "diagnosis_itemcorrection",
                                    "diagnosis_expertassignment", "diagnosis_report")),
    ]
