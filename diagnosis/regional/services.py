"""Writes of the regional dashboards: the audited Excel export of one of their tables."""

from django.db import transaction
from django.utils import timezone

from portal.exports import table_workbook
from portal.services import audit_export


@transaction.atomic
def table_export(*, actor, table, filters: dict, request=None) -> bytes:
    """``table`` (as the page shows it, k rule applied) as a watermarked .xlsx, audited with its
    row count and filters (docs/security.md R15)."""
    content = table_workbook(table.title, table.columns, table.rows, exported_by=actor, exported_at=timezone.now())
    audit_export(actor=actor, what=f"diagnosis.regional.{table.key}", rows=len(table.rows), request=request,
                 filters=filters)
    return content
