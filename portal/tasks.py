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
