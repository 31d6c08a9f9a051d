from celery import shared_task


@shared_task
def disable_stale_accounts() -> int:
    from portal.services import user_disable_stale

    return user_disable_stale()


@shared_task
def clear_expired_sessions() -> None:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()


@shared_task
def send_set_password_email(user_id: int, reset: bool = False) -> bool:
    from portal.services import set_password_email_send

    return set_password_email_send(user_id=user_id, reset=reset)


@shared_task(name="portal.tasks.sweep_jobs")
def sweep_jobs() -> dict:
    """Beat, every JOB_SWEEP_INTERVAL_SECONDS: re-enqueue background jobs whose message was lost
    (broker down at request time, worker killed). Idempotent: what a sweep queued, the next one
    leaves alone (portal/jobs.py)."""
    from portal.jobs import sweep_all

    return sweep_all()


@shared_task(name="portal.tasks.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> int:
    from portal.notifications.services import send_emails

    return send_emails(notification_ids)


@shared_task(name="portal.tasks.privacy_nightly")
def privacy_nightly() -> dict:
    """Beat, daily: carry out pending deletion requests, then the retention rules of the data
    classification registry (portal/privacy/). Both are idempotent: a second run finds nothing due."""
    from portal.privacy.services import erasure_process_due, retention_apply

    return {"erasures": erasure_process_due(), "retention": retention_apply()}
