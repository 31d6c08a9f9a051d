"""Celery adapters of the campaigns feature: ids in, the service imported inside and called; fixed
names (``CELERY_BEAT_SCHEDULE`` runs ``diagnosis.tasks.campaign_reminders``)."""

from celery import shared_task


@shared_task(name="diagnosis.tasks.campaign_reminders")
def campaign_reminders() -> int:
    from diagnosis.campaigns.services import send_reminders

    return send_reminders()


@shared_task(name="diagnosis.tasks.campaign_emails")
def campaign_emails(target_ids: list[int], kind: str) -> int:
    """Messages queued before the tracking rows existed: tracked, then sent (see campaign_email_send)."""
    from diagnosis.campaigns.services import send_emails

    return send_emails(target_ids, kind)


@shared_task(name="diagnosis.tasks.campaign_email_send")
def campaign_email_send(email_ids: list[int]) -> int:
    from diagnosis.campaigns.services import send_tracked_emails

    return send_tracked_emails(email_ids)
