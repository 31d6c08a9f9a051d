"""The review queue as an Excel workbook, through the shared portal/exports.py (formula
neutralising and the watermark row live there, docs/security.md R15)."""

from collections.abc import Sequence
from datetime import datetime

from django.utils.translation import gettext as _

from diagnosis.review.selectors import QueueRow
from portal.exports import XLSX_CONTENT_TYPE, safe_cell, table_workbook

__all__ = ["XLSX_CONTENT_TYPE", "queue_workbook", "safe_cell"]


def queue_workbook(rows: Sequence[QueueRow], *, exported_by, exported_at: datetime) -> bytes:
    """The review queue as .xlsx: a watermark row, a header row, one row per assessment."""
    columns = [
        (_("Enterprise"), 36), (_("Unified social credit code"), 22), (_("District"), 12), (_("Industry"), 28),
        (_("Standard"), 36), (_("Status"), 14), (_("Submitted"), 18), (_("Self-declared total"), 12),
        (_("Self-declared level"), 14), (_("Verified total"), 12), (_("Verified level"), 14),
        (_("Reviewed by"), 14), (_("Reviewed"), 18), (_("Assessment ID"), 10),
    ]
    return table_workbook(_("Review queue"), columns, (
        (row.enterprise, row.uscc, row.district, row.industry, f"{row.spec_title} ({row.spec_key})",
         row.status_label, row.submitted_at, row.total, row.level, row.verified_total, row.verified_level,
         row.reviewed_by, row.reviewed_at, row.pk)
        for row in rows), exported_by=exported_by, exported_at=exported_at)
