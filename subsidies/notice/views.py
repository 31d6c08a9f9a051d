"""The public notice (公示) page — anonymous — with objections, their resolution by staff, and the
Excel export of the notice list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.roles import is_bureau_staff
from subsidies import exports, workflow
from subsidies.applications.views import _page
from subsidies.models import Application, Objection
from subsidies.notice import services


def public_rows():
    today = timezone.localdate()
    return (Application.objects.in_notice().filter(notice_starts__lte=today)
            .select_related("version__programme", "enterprise", "region").order_by("notice_ends", "pk"))


def _notice_page(request, status=200):
    today = timezone.localdate()
    rows = list(public_rows())
    for row in rows:
        row.running = workflow.in_notice(today, row.notice_starts, row.notice_ends)
    # Objections are for the public and enterprises; the bureau's own staff resolve them instead.
    return render(request, "subsidies/notice/public.html",
                  {"rows": rows, "signed_in": request.user.is_authenticated,
                   "can_object": not is_bureau_staff(request.user)}, status=status)


@require_GET
def public(request):
    return _notice_page(request)


@require_POST
def object_file(request, pk):
    application = get_object_or_404(public_rows(), pk=pk)
    try:
        services.objection_file(application=application, actor=request.user, text_value=request.POST.get("text", ""),
                                contact=request.POST.get("contact", ""), request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _notice_page(request, status=status_for(exc))
    messages.success(request, _("Your objection is recorded; the bureau will resolve it before deciding."))
    return redirect("subsidies:notice")


@login_required
@require_POST
def resolve(request, pk):
    objection = get_object_or_404(Objection.objects.select_related("application"), pk=pk)
    application = get_for_user(Application.objects.select_related("version__programme", "enterprise", "region"),
                               objection.application_id, user=request.user, request=request)
    try:
        services.objection_resolve(objection=objection, actor=request.user, outcome=request.POST.get("outcome", ""),
                                   resolution=request.POST.get("resolution", ""), request=request)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return _page(request, application, status=status_for(exc))
    messages.success(request, _("Objection resolved."))
    return redirect("subsidies:application", application.pk)


@login_required
@require_GET
def export(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    rows = (Application.objects.visible_to(request.user).in_notice()
            .select_related("version__programme", "enterprise", "region").order_by("notice_ends", "pk"))
    columns = [*exports.application_columns(), (_("Verified investment (yuan)"), 18),
               (_("Proposed amount (yuan)"), 18), (_("Notice from"), 12), (_("Notice until"), 12),
               (_("Open objections"), 10)]
    cells = ([*exports.application_cells(a), a.verified_investment, a.estimated_amount, a.notice_starts,
              a.notice_ends, a.objections.filter(status=Objection.Status.OPEN).count()] for a in rows)
    return exports.workbook_response(request=request, title=_("Public notice list"), name="subsidy-notice",
                                     columns=columns, rows=cells, action="subsidy_export.notice")
