"""The in-app inbox: a user's own notifications only (another user's id is a 404)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from portal.models import Notification
from portal.notifications import services


@login_required
@require_GET
def inbox(request):
    page = Paginator(Notification.objects.filter(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "portal/notifications/inbox.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.mark_read(notification)
    # Stored links are portal paths; the check keeps a tampered row from redirecting outside.
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()},
                                                            require_https=request.is_secure()):
        return redirect(notification.url)
    return redirect("portal:notifications")


@login_required
@require_POST
def mark_all_read(request):
    services.mark_all_read(request.user)
    return redirect("portal:notifications")
