"""Writes of the regional dashboards: the audited Excel export of one of their tables."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.review import services as services_review
from portal.exceptions import WrongState
from portal.exports import table_workbook
from portal.models import AuditEvent
from portal.services import audit_export


@transaction.atomic
def table_export(*, actor, table, filters: dict, request=None) -> bytes:
    """``table`` (as the page shows it, k rule applied) as a watermarked .xlsx, audited with its
    row count and filters; rate-limited together with every other export of the user
    (docs/security.md R15). The tables are aggregates, so no row cap is needed."""
    since = timezone.now() - timedelta(hours=1)
    limit = services_review.EXPORTS_PER_HOUR
    if AuditEvent.objects.filter(action="data.export", actor=actor, created_at__gte=since).count() >= limit:
        raise WrongState(_("You have made %(count)d exports in the last hour, the most allowed. Try again "
                           "later.") % {"count": limit}, code="rate_limited")
    content = table_workbook(table.title, table.columns, table.rows, exported_by=actor, exported_at=timezone.now())
    audit_export(actor=actor, what=f"diagnosis.regional.{table.key}", rows=len(table.rows), request=request,
                 filters=filters)
    return content
