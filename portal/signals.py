"""Audit receivers for authentication events, and the login timestamp for absolute expiry."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.audit import audit_log
from portal.middleware import LOGIN_TIME_KEY
from portal.models import AuditEvent


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
