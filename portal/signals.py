"""Audit receivers for authentication events, and the login timestamp for absolute expiry."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.audit import audit_log
from portal.fragments import bump
from portal.middleware import LOGIN_TIME_KEY
from portal.models import AuditEvent, Membership, Notification
from portal.notifications.services import unread_version_name
from portal.permissions import membership_changed


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_TIME_KEY] = time.time()
    audit_log(action="auth.login", actor=user, request=request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action="auth.logout", actor=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit_log(action="auth.login_failed", outcome=AuditEvent.Outcome.FAILURE, request=request,
              username=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit_log(action="auth.locked_out", outcome=AuditEvent.Outcome.DENIED, request=request,
              username=str(username or "")[:150])


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def forget_member_roles(sender, instance, raw=False, **kwargs):
    # portal.permissions.member_role keeps roles for the request: a changed membership is read again.
    membership_changed(instance.user_id)


@receiver(post_save, sender=Notification)
@receiver(post_delete, sender=Notification)
def unread_changed(sender, instance, raw=False, **kwargs):
    # The cached menu shows the unread count (bulk writes bump it in portal.notifications.services).
    bump(unread_version_name(instance.user_id))
