import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import AuditEvent


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def events(filters: dict) -> QuerySet[AuditEvent]:
    """The trail narrowed by the filter form's cleaned data; dates are whole local days."""
    queryset = AuditEvent.objects.all()
    if filters.get("domain"):
        queryset = queryset.filter(action__startswith=f"{filters['domain']}.")
    if filters.get("action"):
        queryset = queryset.filter(action__startswith=filters["action"])
    if filters.get("user"):
        queryset = queryset.filter(actor_username=filters["user"])
    if filters.get("outcome"):
        queryset = queryset.filter(outcome=filters["outcome"])
    if filters.get("date_from"):
        queryset = queryset.filter(created_at__gte=_local_midnight(filters["date_from"]))
    if filters.get("date_to"):
        queryset = queryset.filter(created_at__lt=_local_midnight(filters["date_to"] + dt.timedelta(days=1)))
    return queryset
