"""Notifications: a row per recipient in the in-app inbox, and an e-mail when the recipient has an
address. Callers (review decisions, reports, expert assignments, …) call `notify` inside their
transaction; the e-mail goes out after commit through portal/jobs.py, and the sweeper sends what a
broker outage left pending."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import Notification

logger = logging.getLogger(__name__)

EMAIL_ATTEMPTS_MAX = 5
# A pending e-mail older than this has lost its message (broker down, worker killed): resend it.
EMAIL_RESEND_AFTER = dt.timedelta(minutes=10)


def unread_version_name(user_id) -> str:
    """The version of a user's unread count (the cached menu shows it): bumped on every write."""
    return f"portal:notifications:{user_id}"


def _unread_changed(user_ids) -> None:
    from portal.fragments import bump

    for user_id in set(user_ids):
        bump(unread_version_name(user_id))


def notify(users, *, kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """One notification per distinct active user. ``title`` and ``body`` are final text (translate
    them before calling: recipients read Chinese first). ``url`` must be a path in the portal."""
    if url and not url.startswith("/"):
        raise ValueError("notification links stay inside the portal")
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    rows = [Notification(user=user, kind=kind, title=title[:200], body=body[:2000], url=url[:300],
                         email_status=(Notification.EmailStatus.PENDING if user.email
                                       else Notification.EmailStatus.NONE))
            for user in recipients.values()]
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    _unread_changed(recipients)
    ids = [n.pk for n in created if n.email_status == Notification.EmailStatus.PENDING]
    if ids:
        from portal.jobs import enqueue_on_commit
        from portal.tasks import send_notification_emails

        enqueue_on_commit(send_notification_emails, ids)
    return created


def send_emails(notification_ids: list[int]) -> int:
    """Send the pending e-mails among ``notification_ids``; each row is claimed first (pending →
    attempt counted), so a message delivered twice sends once. Returns how many were sent."""
    sent = 0
    for pk in notification_ids:
        claimed = Notification.objects.filter(pk=pk, email_status=Notification.EmailStatus.PENDING,
                                              email_attempts__lt=EMAIL_ATTEMPTS_MAX).update(
            email_attempts=F("email_attempts") + 1, email_status=Notification.EmailStatus.SENDING)
        if claimed != 1:
            continue
        notification = Notification.objects.select_related("user").get(pk=pk)
        try:
            with translation.override(settings.LANGUAGE_CODE):
                context = {"notification": notification, "site_url": getattr(settings, "SITE_URL", "")}
                send_mail(notification.title, render_to_string("portal/email/notification.txt", context),
                          None, [notification.user.email])
        except Exception:
            logger.exception("notification %s: the e-mail could not be sent", pk)
            status = (Notification.EmailStatus.FAILED if notification.email_attempts >= EMAIL_ATTEMPTS_MAX
                      else Notification.EmailStatus.PENDING)
            Notification.objects.filter(pk=pk).update(email_status=status)
            continue
        Notification.objects.filter(pk=pk).update(email_status=Notification.EmailStatus.SENT)
        sent += 1
    return sent


def sweep_emails() -> int:
    """Queue again the e-mails left pending (or claimed by a worker that died) for a while."""
    stale = timezone.now() - EMAIL_RESEND_AFTER
    Notification.objects.filter(email_status=Notification.EmailStatus.SENDING, created_at__lt=stale).update(
        email_status=Notification.EmailStatus.PENDING)
    ids = list(Notification.objects.filter(email_status=Notification.EmailStatus.PENDING, created_at__lt=stale)
               .values_list("pk", flat=True)[:500])
    if ids:
        from portal.jobs import enqueue
        from portal.tasks import send_notification_emails

        enqueue(send_notification_emails, ids)
    return len(ids)


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        _unread_changed([notification.user_id])


def mark_all_read(user) -> int:
    with transaction.atomic():
        changed = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
        _unread_changed([user.pk])
        return changed
