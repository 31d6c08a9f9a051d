"""Bureau staff's queue of enterprise change requests and the decision page. Only the deciding
jurisdiction's staff see a request (404 for everyone else's); the enterprise sees its requests
and their outcome on its own record page (portal.views.enterprise_detail)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.access import get_for_user
from portal.changes import services
from portal.changes.forms import DecisionForm, QueueFilterForm
from portal.errors import status_for
from portal.exceptions import DomainError
from portal.models import EnterpriseChangeRequest
from portal.roles import is_bureau_staff


def _queryset():
    return EnterpriseChangeRequest.objects.select_related(
        "enterprise", "old_region", "new_region", "old_park", "new_park", "decide_region", "requested_by",
        "decided_by")


@login_required
def queue(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET or {"status": EnterpriseChangeRequest.Status.PENDING})
    status = form.cleaned_data["status"] if form.is_valid() and form.cleaned_data["status"] else \
        EnterpriseChangeRequest.Status.PENDING
    rows = _queryset().visible_to(request.user).filter(status=status).order_by("created_at", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "portal/changes/queue.html", {"page": page, "form": form, "status": status})


@login_required
def detail(request, pk):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    change_request = get_for_user(_queryset(), pk, user=request.user, write=request.method == "POST",
                                  request=request)
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.change_request_decide(
                    change_request=change_request, actor=request.user, request=request,
                    approve=form.cleaned_data["decision"] == "approve", reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = status_for(exc)
                change_request = _queryset().get(pk=change_request.pk)  # show the current state
            else:
                messages.success(request, _("%(name)s: decision recorded.") % {"name": change_request.old_name})
                return redirect("portal:change-requests")
        else:
            status = 422
    return render(request, "portal/changes/detail.html", {
        "change": change_request, "form": form,
        "can_decide": change_request.status == EnterpriseChangeRequest.Status.PENDING,
    }, status=status)
