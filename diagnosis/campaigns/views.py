"""Campaign pages (年度诊断工作): the list with progress, creating a campaign, its coverage (by district,
town or park) with the Excel export, the target import and the invitations. Bureau staff only (403 for
anyone else signed in); a campaign outside the officer's region answers 404 (get_for_user)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diagnosis.campaigns import selectors
from diagnosis.campaigns import services as services_campaigns
from diagnosis.campaigns.forms import CampaignForm, CoverageForm, ImportForm
from diagnosis.campaigns.imports import HEADERS, REQUIRED
from diagnosis.models import Campaign
from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.exports import xlsx_response
from portal.roles import is_bureau_staff, staff_region_path

PAGE_SIZE = 50


def _staff(request) -> None:
    if not is_bureau_staff(request.user) or staff_region_path(request.user) is None:
        raise PermissionDenied


def _campaign(request, pk, *, write=False) -> Campaign:
    _staff(request)
    return get_for_user(Campaign.objects.select_related("region"), pk, user=request.user, write=write,
                        request=request)


@login_required
@require_GET
def campaign_list(request):
    _staff(request)
    return render(request, "diagnosis/campaigns/list.html", {"campaigns": selectors.campaign_list(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    _staff(request)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services_campaigns.campaign_create(actor=request.user, request=request, **form.cleaned_data)
        except Forbidden:
            raise PermissionDenied from None
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The campaign was created. Import its target enterprises next."))
            return redirect("campaigns:import", campaign.pk)
    return render(request, "diagnosis/campaigns/create.html", {"form": form},
                  status=422 if form.is_bound and form.errors else 200)


@login_required
@require_GET
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    form = CoverageForm(request.GET or None)
    by = form.value()
    targets = selectors.targets_with_stage(campaign).select_related("enterprise__region", "enterprise__park")
    page = Paginator(targets.order_by("enterprise__name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(t, selectors.stage_of(t)) for t in page]
    return render(request, "diagnosis/campaigns/detail.html", {
        "campaign": campaign, "coverage": selectors.coverage(campaign, by=by), "by": by,
        "group_titles": selectors.GROUP_TITLES, "group_title": selectors.GROUP_TITLES[by], "stages": selectors.STAGES, "page": page, "rows": rows,
        "stage_titles": dict(selectors.STAGES),
        "uninvited": targets.filter(invited_at__isnull=True).exists(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def target_import(request, pk):
    campaign = _campaign(request, pk, write=request.method == "POST")
    form, errors, status = ImportForm(), [], 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services_campaigns.target_import(campaign=campaign, actor=request.user, fileobj=upload,
                                                          name=upload.name, size=upload.size, request=request)
            except Forbidden:
                raise PermissionDenied from None
            except services_campaigns.ImportRefused as exc:
                form.add_error("file", exc.message)
                errors, status = exc.errors, 422
            except DomainError as exc:
                form.add_error("file", exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("Imported: %(created)d new records, %(added)d registered enterprises "
                                            "added, %(updated)d updated.")
                                 % {"created": len(result.created), "added": len(result.added),
                                    "updated": len(result.updated)})
                return redirect("campaigns:detail", campaign.pk)
        else:
            status = 422
    return render(request, "diagnosis/campaigns/import.html", {
        "campaign": campaign, "form": form, "errors": errors,
        "columns": [(names[0], key in REQUIRED) for key, names in HEADERS.items()],
    }, status=status)


@login_required
@require_POST
def campaign_invite(request, pk):
    campaign = _campaign(request, pk, write=True)
    try:
        count = services_campaigns.campaign_invite(campaign=campaign, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)d enterprises were invited.") % {"count": count})
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_GET
def coverage_export(request, pk):
    campaign = _campaign(request, pk)
    form = CoverageForm(request.GET or None)
    try:
        content = services_campaigns.coverage_export(campaign=campaign, actor=request.user, by=form.value(),
                                                     request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:detail", campaign.pk)
    return xlsx_response(content, f"campaign-{campaign.pk}")
