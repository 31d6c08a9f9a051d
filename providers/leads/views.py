"""Leads pages: the enterprise's consent page and its contact requests, the provider's inbox and
lead page with the pipeline, and the bureau's regional list (read-only, paged, audited) with its
Excel export.

Access: 404 outside the user's scope (portal.access) — another provider's lead, another
enterprise's assessment; 403 in scope without write rights. A refused action shows the page again
with the reason: 422 for invalid input, 409 when the lead moved on, the consent was withdrawn or a
request is a duplicate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diagnosis.models import Assessment
from portal.access import get_for_user
from portal.audit import audit_log
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.exports import xlsx_response
from portal.permissions import can_write_for, is_provider_user
from portal.roles import is_bureau_staff, staff_region_path
from providers.leads import forms, selectors, services, workflow
from providers.leads.workflow import ENTERPRISE, PROVIDER
from providers.models import Lead, ListingSolution

STAFF_PAGE = 200  # the provider's inbox: the most recent leads, unpaged
PAGE_SIZE = 50  # the staff list, as the other staff lists page


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# ─── the enterprise: consent and request ────────────────────────────────────────────────────────


def _request_page(request, assessment, solution, form, *, status=200):
    provider = solution.listing.provider
    open_lead = Lead.objects.filter(enterprise=assessment.enterprise, provider=provider,
                                    stage__in=Lead.OPEN).first()
    return render(request, "providers/leads/request.html", {
        "assessment": assessment, "solution": solution, "provider": provider, "form": form,
        "summary": selectors.diagnosis_summary(assessment) if selectors.shareable(assessment) else None,
        "in_pool": selectors.serving_memberships(provider.pk, assessment.enterprise).exists(),
        "open_lead": open_lead, "can_write": can_write_for(request.user, assessment.enterprise),
        "consent_version": selectors.CONSENT_VERSION,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lead_request(request, assessment_pk, solution_pk):
    # Only the enterprise's own people: bureau staff see assessments but never ask on its behalf.
    assessment = get_for_user(Assessment.objects.with_enterprise().filter(enterprise__memberships__user=request.user),
                              assessment_pk, user=request.user, request=request)
    solution = get_object_or_404(ListingSolution.objects.select_related("listing__provider"), pk=solution_pk)
    form = forms.ConsentForm(request.POST or None)
    if request.method == "GET":
        return _request_page(request, assessment, solution, form)
    if not can_write_for(request.user, assessment.enterprise):
        raise PermissionDenied
    if not form.is_valid():
        messages.error(request, _("Not sent: %(errors)s") % {"errors": _form_errors(form)})
        return _request_page(request, assessment, solution, form, status=422)
    try:
        services.request_lead(actor=request.user, assessment=assessment, solution=solution,
                              consent=form.cleaned_data["consent"], request=request)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return _request_page(request, assessment, solution, form, status=status_for(exc))
    messages.success(request, _("Your request is sent. The provider sees the summary you consented to share and "
                                "will contact you."))
    return redirect("providers:lead-mine")


def _mine_page(request, *, status=200):
    leads = list(selectors.enterprise_leads(request.user))
    for lead in leads:
        lead.can_write = can_write_for(request.user, lead.enterprise)
        lead.actions = (workflow.allowed_actions(lead.stage, ENTERPRISE)
                        if lead.can_write and lead.consent_active else ())
    return render(request, "providers/leads/mine.html", {
        "leads": leads, "labels": forms.ACTION_LABELS, "pipeline": workflow.PIPELINE}, status=status)


@login_required
@require_GET
def lead_mine(request):
    return _mine_page(request)


def _enterprise_lead(request, pk) -> Lead:
    return get_for_user(Lead.objects.of_enterprises_of(request.user).select_related("enterprise", "provider"), pk,
                        user=request.user, request=request)


@login_required
@require_POST
def lead_withdraw(request, pk):
    lead = _enterprise_lead(request, pk)
    try:
        services.withdraw_consent(actor=request.user, lead=lead, request=request)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return _mine_page(request, status=status_for(exc))
    messages.success(request, _("Your consent is withdrawn: the provider no longer sees your diagnosis summary."))
    return redirect("providers:lead-mine")


def _transition(request, lead, side, page, back):
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": _form_errors(form)})
        return page(status=422)
    data = form.cleaned_data
    try:
        services.transition(actor=request.user, lead=lead, side=side, action=data["action"],
                            expected_version=data["state_version"], day=data["day"], amount=data["amount"],
                            note=data["note"], request=request)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return page(status=status_for(exc))
    messages.success(request, _("Saved."))
    return redirect(back)


@login_required
@require_POST
def lead_enterprise_action(request, pk):
    lead = _enterprise_lead(request, pk)
    return _transition(request, lead, ENTERPRISE, lambda status: _mine_page(request, status=status),
                       "providers:lead-mine")


# ─── the provider: inbox, lead page, pipeline ───────────────────────────────────────────────────


@login_required
@require_GET
def lead_inbox(request):
    filters = forms.StageFilterForm(request.GET or None)
    stage = filters.cleaned_data["stage"] if filters.is_valid() else ""
    if not is_provider_user(request.user):
        raise PermissionDenied
    all_leads = selectors.provider_leads(request.user)
    return render(request, "providers/leads/inbox.html", {
        "leads": selectors.provider_leads(request.user, stage=stage)[:STAFF_PAGE], "filters": filters,
        "counts": selectors.stage_counts(all_leads), "stages": Lead.Stage.choices})


def _provider_lead(request, pk) -> Lead:
    return get_for_user(Lead.objects.of_providers_of(request.user).select_related("enterprise", "provider"), pk,
                        user=request.user, request=request)


def _detail_page(request, lead, *, status=200):
    lead.refresh_from_db()
    can_write = can_write_for(request.user, lead.provider)
    actions = workflow.allowed_actions(lead.stage, PROVIDER) if can_write and lead.consent_active else ()
    return render(request, "providers/leads/detail.html", {
        "lead": lead, "actions": actions, "labels": forms.ACTION_LABELS, "can_write": can_write,
        "amount_actions": tuple(workflow.AMOUNT_FIELD), "pipeline": workflow.PIPELINE,
        "summary": lead.summary if lead.consent_active else None,
    }, status=status)


@login_required
@require_GET
def lead_detail(request, pk):
    return _detail_page(request, _provider_lead(request, pk))


@login_required
@require_POST
def lead_transition(request, pk):
    lead = _provider_lead(request, pk)
    return _transition(request, lead, PROVIDER, lambda status: _detail_page(request, lead, status=status),
                       reverse("providers:lead-detail", args=[lead.pk]))


# ─── bureau staff: the region's leads ───────────────────────────────────────────────────────────


@login_required
@require_GET
def lead_staff(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    leads = selectors.staff_leads(request.user)
    # get_page: a page that is no number or lies past the end answers the nearest page, never 500.
    page = Paginator(leads, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_log(action="lead.staff_list_read", request=request, object_type="providers.lead",
              detail={"region": staff_region_path(request.user), "rows": len(page.object_list),
                      "page": page.number})
    return render(request, "providers/leads/staff.html", {
        "leads": page.object_list, "page": page, "total": page.paginator.count,
        "counts": selectors.stage_counts(leads), "stages": Lead.Stage.choices})


@login_required
@require_GET
def lead_staff_export(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    try:
        content = services.staff_leads_export(actor=request.user, request=request)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("providers:lead-staff")
    return xlsx_response(content, "leads")


# ─── public: how the outcome rating is measured ─────────────────────────────────────────────────


@require_GET
def outcome_method(request):
    from providers.leads import outcomes

    return render(request, "providers/leads/outcome_method.html", {
        "min_n": outcomes.MIN_N, "min_peers": outcomes.MIN_PEERS, "band_width": outcomes.BAND_WIDTH})
