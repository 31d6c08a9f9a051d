from django.apps import apps
from django.conf import settings
from django.template.loader import render_to_string

from portal.fragments import render_cached, versions
from portal.models import Notification
from portal.notifications.services import unread_version_name
from portal.permissions import memberships_version_name, nav_organisation_kinds
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
        # The menu bar, from the cache while nothing it shows changed; a callable like the above.
        "site_header": lambda: site_header(request),
    }


def site_header(request):
    """The rendered menu bar (templates/partials/site_header.html). What it shows follows from the
    user's roles, memberships and unread notifications, the language and the path (the language
    switch returns to it): each has a version, so a cached menu is never served after it changed."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        # Signed-out pages (sign-in, registration, password-reset links with their token in the
        # path) render the short menu afresh: nothing of them goes into the cache.
        return render_to_string("partials/site_header.html", request=request)
    names = (user.pk, user.get_username(), user.staff_role, user.is_staff, user.is_active,
             *versions(memberships_version_name(user.pk), unread_version_name(user.pk)))
    return render_cached(request, "partials/site_header.html", versions=names, context=dict)
