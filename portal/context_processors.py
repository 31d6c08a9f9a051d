from django.apps import apps
from django.conf import settings

from portal.models import Notification
from portal.permissions import nav_organisation_kinds
from portal.roles import ADMIN_ROLES, is_audit_admin, is_bureau_staff, is_expert


def portal(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "portal_name": settings.PORTAL_NAME,
        # Templates get flags, never test roles themselves.
        # A callable, resolved only by templates that show the menu: the HTMX partials (autosave)
        # render with this context too and must not pay its membership query.
        "nav_assessments": lambda: signed_in and "enterprise" in nav_organisation_kinds(user),
        "nav_provider": lambda: signed_in and "provider" in nav_organisation_kinds(user),
        "nav_staff": signed_in and is_bureau_staff(user),
        "nav_expert": signed_in and is_expert(user),
        "nav_audit": signed_in and is_audit_admin(user),
        # The public provider directory, once the providers app (a higher layer) is installed.
        "nav_directory": apps.is_installed("providers"),
        "nav_admin": signed_in and user.staff_role in ADMIN_ROLES and user.is_staff,
        "admin_url": "/" + settings.ADMIN_URL,
        # Unread notifications for the inbox link's badge; lazy for the same reason as above.
        "nav_unread": lambda: signed_in and Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }
