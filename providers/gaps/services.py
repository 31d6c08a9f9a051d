"""Writes of the gap map: its audited, watermarked Excel export (the only staff action here)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.review import services as services_review
from portal.exceptions import WrongState
from portal.exports import table_workbook
from portal.models import AuditEvent
from portal.services import audit_export
from providers.gaps import tables


@transaction.atomic
def gap_export(*, actor, gap_map, filters: dict, request=None) -> bytes:
    """The gap map as the page shows it (k rule applied) as one sheet, one row per cell; audited with
    its row count and filters, rate-limited with every other export of the user (R15)."""
    since = timezone.now() - timedelta(hours=1)
    limit = services_review.EXPORTS_PER_HOUR
    if AuditEvent.objects.filter(action="data.export", actor=actor, created_at__gte=since).count() >= limit:
        raise WrongState(_("You have made %(count)d exports in the last hour, the most allowed. Try again "
                           "later.") % {"count": limit}, code="rate_limited")
    title, columns, rows = tables.export_rows(gap_map)
    content = table_workbook(title, columns, rows, exported_by=actor, exported_at=timezone.now())
    audit_export(actor=actor, what="providers.gaps", rows=len(rows), request=request, filters=filters)
    return content
