"""Matchmaking event pages (供需对接会): the list, creating and editing an event, inviting
enterprises and pool providers, the pairing job with its polled progress, recording meetings and
outcomes, the Excel export and the funnel. Bureau staff only (403 for anyone else signed in); an
event outside the officer's region answers 404 (get_for_user). A refused action shows the page
again with the reason: 422 for invalid input, 409 when the row moved on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diagnosis.models import NewMode
from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden, Invalid
from portal.exports import xlsx_response
from portal.roles import is_bureau_staff, staff_region_path
from providers.events import forms, selectors, services
from providers.models import MatchEvent, Pairing, PairingJob

PAGE_SIZE = 50


def _staff(request) -> str:
    path = staff_region_path(request.user)
    if not is_bureau_staff(request.user) or path is None:
        raise PermissionDenied
    return path


def _event(request, pk, *, write=False) -> MatchEvent:
    _staff(request)
    return get_for_user(MatchEvent.objects.select_related("region", "park"), pk, user=request.user, write=write,
                        request=request)


def _ids(request) -> list[int]:
    values = request.POST.getlist("ids")
    if not values or any(not v.isdigit() or len(v) > 12 for v in values):
        raise Invalid(_("Choose at least one entry from the list."), code="ids")
    return [int(v) for v in values]


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_GET
def event_list(request):
    _staff(request)
    events = selectors.events_for(request.user)[:200]
    return render(request, "providers/events/list.html", {"events": events})


def _event_values(data) -> dict:
    return {k: data.get(k) for k in services.EVENT_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    path = _staff(request)
    form = forms.EventForm(request.POST or None, staff_path=path,
                           initial={"region": request.user.region_id, "date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, request=request, **_event_values(form.cleaned_data))
        except Forbidden:
            raise PermissionDenied from None
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The event was created. Invite enterprises and providers next."))
            return redirect("providers:event-detail", event.pk)
    return render(request, "providers/events/form.html", {"form": form},
                  status=422 if form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    event = _event(request, pk, write=request.method == "POST")
    path = _staff(request)
    initial = {"title": event.title, "kind": event.kind, "region": event.region_id, "cluster": event.cluster,
               "park": event.park_id, "date": event.date, "venue": event.venue}
    form = forms.EventForm(request.POST or None, staff_path=path, initial=initial)
    version = request.POST.get("state_version", "")
    status = 200
    if request.method == "POST":
        if not form.is_valid() or not version.isdigit():
            status = 422
        else:
            try:
                services.event_update(event=event, actor=request.user, expected_version=int(version),
                                      request=request, **_event_values(form.cleaned_data))
            except Forbidden:
                raise PermissionDenied from None
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("The event was saved."))
                return redirect("providers:event-detail", event.pk)
    return render(request, "providers/events/form.html", {"form": form, "event": event}, status=status)


def _detail(request, event, *, status=200, job_error=""):
    state = request.GET.get("status", "")
    if state not in Pairing.Status.values:
        state = ""
    page = Paginator(selectors.pairings(event, status=state), PAGE_SIZE).get_page(request.GET.get("page"))
    job = selectors.latest_job(event)
    return render(request, "providers/events/detail.html", {
        "event": event, "funnel": selectors.funnel(event), "page": page, "state": state,
        "states": Pairing.Status.choices, **_job_context(event, job, error=job_error),
        "participant_count": selectors.participants(event).count(),
        "provider_count": selectors.event_providers(event).count(),
        "editable": event.status != MatchEvent.Status.CLOSED,
    }, status=status)


def _job_context(event, job, *, error="") -> dict:
    stale = job is not None and services.lease_expired(job)
    return {"job": job, "job_error": error, "job_stale": stale,
            "polling": job is not None and not stale and job.status in PairingJob.ACTIVE,
            "can_generate": event.status != MatchEvent.Status.CLOSED}


@login_required
@require_GET
def event_detail(request, pk):
    return _detail(request, _event(request, pk))


@login_required
@require_POST
def event_transition(request, pk, action):
    event = _event(request, pk, write=True)
    version = request.POST.get("state_version", "")
    try:
        if not version.isdigit():
            raise Invalid(_("The form is incomplete. Reload the page and try again."), code="state_version")
        services.event_transition(event=event, actor=request.user, action=action, expected_version=int(version),
                                  request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        event.refresh_from_db()
        return _detail(request, event, status=status_for(exc))
    messages.success(request, _("The event is now “%(status)s”.") % {"status": event.__class__.objects.get(
        pk=event.pk).get_status_display()})
    return redirect("providers:event-detail", event.pk)


# ─── invitations ─────────────────────────────────────────────────────────────────────────────


def _participants_page(request, event, *, status=200):
    form = forms.CandidateFilterForm(request.GET or None, districts=selectors.districts(event),
                                     parks=selectors.parks(event))
    filters = form.filters()
    candidates = selectors.candidates(event, **filters)
    page = Paginator(candidates, PAGE_SIZE).get_page(request.GET.get("page"))
    categories = selectors.need_categories(e.latest for e in page)
    labels = dict(NewMode.choices)
    rows = [(e, [labels.get(c, c) for c in categories.get(e.latest, [])]) for e in page]
    invited = [(p, [labels.get(c, c) for c in p.categories]) for p in selectors.participants(event)]
    return render(request, "providers/events/participants.html", {
        "event": event, "form": form, "page": page, "rows": rows, "candidate_count": candidates.count(),
        "participants": invited, "query": request.GET.urlencode(),
        "editable": event.status != MatchEvent.Status.CLOSED,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def participants(request, pk):
    event = _event(request, pk, write=request.method == "POST")
    if request.method == "GET":
        return _participants_page(request, event)
    form = forms.CandidateFilterForm(request.POST, districts=selectors.districts(event), parks=selectors.parks(event))
    try:
        if request.POST.get("all") == "1":
            if not form.is_valid():
                raise Invalid(_("Not saved: %(errors)s") % {"errors": _errors(form)}, code="filters")
            count = services.participants_invite(event=event, actor=request.user, filters=form.filters(),
                                                 request=request)
        else:
            count = services.participants_invite(event=event, actor=request.user, enterprise_ids=_ids(request),
                                                 request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _participants_page(request, event, status=status_for(exc))
    messages.success(request, _("%(count)d enterprises were invited.") % {"count": count})
    return redirect(reverse("providers:event-participants", args=[event.pk]) + "?" + request.GET.urlencode())


@login_required
@require_POST
def participant_remove(request, pk, participant_pk):
    event = _event(request, pk, write=True)
    try:
        services.participant_remove(event=event, actor=request.user, participant_id=participant_pk, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _participants_page(request, event, status=status_for(exc))
    messages.success(request, _("The enterprise was removed from the event."))
    return redirect("providers:event-participants", event.pk)


def _providers_page(request, event, *, status=200):
    return render(request, "providers/events/providers.html", {
        "event": event, "invited": selectors.event_providers(event), "members": selectors.uninvited_members(event),
        "editable": event.status != MatchEvent.Status.CLOSED,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def providers(request, pk):
    event = _event(request, pk, write=request.method == "POST")
    if request.method == "GET":
        return _providers_page(request, event)
    try:
        count = services.providers_invite(event=event, actor=request.user, provider_ids=_ids(request), request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _providers_page(request, event, status=status_for(exc))
    messages.success(request, _("%(count)d providers were invited.") % {"count": count})
    return redirect("providers:event-providers", event.pk)


@login_required
@require_POST
def provider_remove(request, pk, row_pk):
    event = _event(request, pk, write=True)
    try:
        services.provider_remove(event=event, actor=request.user, event_provider_id=row_pk, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _providers_page(request, event, status=status_for(exc))
    messages.success(request, _("The provider was removed from the event."))
    return redirect("providers:event-providers", event.pk)


# ─── the pairing job ─────────────────────────────────────────────────────────────────────────


def _job_block(request, event, job, *, error="", status=200):
    return render(request, "providers/events/partials/job.html", {"event": event, **_job_context(event, job,
                                                                                                  error=error)},
                  status=status)


@login_required
@require_POST
def pairing_generate(request, pk):
    """Queue the pairing job (or find the one already queued); HTMX gets the job block back."""
    event = _event(request, pk, write=True)
    try:
        job = services.pairing_request(event=event, actor=request.user, request=request)
    except DomainError as exc:
        if not request.htmx:
            messages.error(request, exc.message)
            return redirect("providers:event-detail", event.pk)
        return _job_block(request, event, selectors.latest_job(event), error=exc.message, status=status_for(exc))
    if not request.htmx:
        return redirect("providers:event-detail", event.pk)
    return _job_block(request, event, job)


@login_required
@require_GET
def job_status(request, pk, job_pk):
    """The polling partial of one job row: it polls only while the row is queued or running."""
    event = _event(request, pk)
    job = PairingJob.objects.filter(pk=job_pk, event=event).first()
    if job is None:
        raise Http404
    return _job_block(request, event, job)


# ─── meetings, export ────────────────────────────────────────────────────────────────────────


def _pairing_page(request, event, pairing, form, *, status=200):
    return render(request, "providers/events/pairing.html", {"event": event, "pairing": pairing, "form": form},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def pairing_record(request, pk, pairing_pk):
    event = _event(request, pk, write=request.method == "POST")
    pairing = Pairing.objects.filter(pk=pairing_pk, event=event).select_related("enterprise", "provider").first()
    if pairing is None:
        raise Http404
    if request.method == "GET":
        form = forms.PairingForm(initial={
            "state_version": pairing.state_version, "status": pairing.status, "outcome": pairing.outcome,
            "meeting_at": timezone.localtime(pairing.meeting_at) if pairing.meeting_at else None,
            "meeting_notes": pairing.meeting_notes})
        return _pairing_page(request, event, pairing, form)
    form = forms.PairingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": _errors(form)})
        return _pairing_page(request, event, pairing, form, status=422)
    try:
        services.pairing_record(pairing=pairing, actor=request.user, request=request,
                                expected_version=form.cleaned_data["state_version"],
                                **{k: form.cleaned_data[k] for k in ("status", "meeting_at", "meeting_notes",
                                                                     "outcome")})
    except DomainError as exc:
        messages.error(request, exc.message)
        pairing.refresh_from_db()
        fresh = forms.PairingForm(initial={
            "state_version": pairing.state_version, "status": pairing.status, "outcome": pairing.outcome,
            "meeting_at": timezone.localtime(pairing.meeting_at) if pairing.meeting_at else None,
            "meeting_notes": pairing.meeting_notes})
        return _pairing_page(request, event, pairing, fresh, status=status_for(exc))
    messages.success(request, _("The meeting record was saved."))
    return redirect("providers:event-detail", event.pk)


@login_required
@require_GET
def pairings_export(request, pk):
    event = _event(request, pk)
    try:
        content = services.pairings_export(event=event, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("providers:event-detail", event.pk)
    return xlsx_response(content, f"event-{event.pk}-pairings")
