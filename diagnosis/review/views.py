"""Bureau review of submitted assessments: the scoped queue and its Excel export, the review page
(answers beside their evidence, corrections, self-declared vs verified score), approve / return,
expert assignments and opinions, on-site diagnoses, and the expert's own assignment list.

Access: 404 outside the user's scope (portal.access), 403 in scope without a reviewer's role.
A refused action re-renders the page with the reason: 422 for invalid input, 409 when the
assessment moved on since the page was loaded."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diagnosis.fill.selectors import plausibility_notes
from diagnosis.models import Assessment, SiteVisit
from diagnosis.permissions import is_enterprise_member
from diagnosis.review import selectors as selectors_review
from diagnosis.review import services as services_review
from diagnosis.review.forms import (
    ApproveForm,
    AssignExpertForm,
    CorrectionForm,
    OpinionForm,
    QueueFilterForm,
    ReturnForm,
    SiteVisitForm,
)
from diagnosis.review.workflow import EXPERT, STAFF
from diagnosis.spec import get_spec
from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import Conflict, DomainError, Forbidden
from portal.exports import xlsx_response
from portal.files import download_response
from portal.roles import is_bureau_staff, is_expert

PAGE_SIZE = 50
# Queue columns that sort, and the sort key each column's header link sets.
SORTABLE = ("enterprise", "submitted", "total", "verified", "status")


# --- queue ------------------------------------------------------------------------------------------


def _queue_page(request, form, *, status=200):
    page, rows, sort = None, [], ""
    if form.is_valid():
        filters = form.filters()
        page = Paginator(selectors_review.review_queue(request.user, filters), PAGE_SIZE) \
            .get_page(request.GET.get("page"))
        rows, sort = selectors_review.queue_rows(page.object_list), filters.sort
    else:
        status = 400
    return render(request, "diagnosis/review/queue.html", {
        "form": form, "page": page, "rows": rows,
        # A second click on the current column reverses it.
        "sort_links": {col: f"-{col}" if sort == col else col for col in SORTABLE}, "sort": sort,
        "single_district": form.fields["district"].queryset.count() <= 1,
    }, status=status)


@login_required
@require_GET
def queue(request):
    if is_expert(request.user):
        return redirect("review:assignments")  # experts work from what is assigned to them
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    return _queue_page(request, QueueFilterForm(request.GET, user=request.user))


@login_required
@require_GET
def queue_export(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return _queue_page(request, form)
    try:
        content = services_review.queue_export(actor=request.user, filters=form.filters(), request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('review:queue')}?{request.GET.urlencode()}")
    return xlsx_response(content, "review-queue")


@login_required
@require_GET
def assignments(request):
    if not is_expert(request.user):
        raise PermissionDenied
    page = Paginator(selectors_review.assignments_for_expert(request.user), PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    return render(request, "diagnosis/review/assignments.html", {"page": page})


# --- the review page ------------------------------------------------------------------------------------


def _reviewer(request, pk, *, decide: bool = False):
    """The assessment and the user's actor kind. 404 outside the user's scope; 403 for anyone in
    scope who is no reviewer (the enterprise's own members), for a reviewer who belongs to the
    enterprise (R9), and for experts on a decision."""
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
    kind = services_review.reviewer_kind(request.user, assessment)
    if kind is None or is_enterprise_member(request.user, assessment) or (decide and kind != STAFF):
        raise PermissionDenied
    return assessment, kind


def _render_review(request, assessment, kind, *, bound=None, status=200):
    """The review page. `bound` holds a submitted form that failed, under its key on the page
    ("approve", "return", "assign", "opinion", "visit" or "item:<code>"), to show its errors."""
    assessment.refresh_from_db()  # after a refused action the page shows the state as it is now
    bound = bound or {}
    actions = services_review.allowed_actions(kind, assessment)
    version = {"review_version": assessment.review_version}
    sheet = selectors_review.review_sheet(assessment)
    assigned = list(selectors_review.assignments_of(assessment))
    mine = next((a for a in assigned if a.expert_id == request.user.pk), None)
    fixes = {}
    if "correct" in actions:
        for _section, rows in sheet.sections:
            for row in rows:
                fixes[row.item.code] = bound.get(f"item:{row.item.code}") or CorrectionForm(
                    item=row.item, initial={**version, **CorrectionForm.initial_for(row.item, row.current_value)})
    return render(request, "diagnosis/review/assessment.html", {
        "assessment": assessment, "spec": get_spec(assessment.spec_key), "sheet": sheet, "kind": kind,
        "is_expert": kind == EXPERT, "actions": actions, "fixes": fixes, "assignments": assigned,
        "site_visits": selectors_review.site_visits_of(assessment),
        "approve_form": bound.get("approve") or ApproveForm(initial=version),
        "return_form": bound.get("return") or ReturnForm(initial=version),
        "assign_form": (bound.get("assign") or AssignExpertForm(
            initial=version, experts=selectors_review.expert_pool(assessment)))
        if "assign_expert" in actions else None,
        "opinion_form": (bound.get("opinion") or OpinionForm(initial={**version, "opinion": mine.opinion}))
        if mine is not None and "give_opinion" in actions else None,
        "visit_form": bound.get("visit") or SiteVisitForm(initial=version),
        # The enterprise saw these warnings before submitting; the reviewer checks the same figures.
        "plausibility": plausibility_notes(get_spec(assessment.spec_key), assessment.submitted_answers or {},
                                           assessment.enterprise, href=lambda code: f"#item-{code}"),
    }, status=status)


def _act(request, assessment, kind, *, key, form, perform, done, anchor=""):
    """Run one review action from a bound form: success → redirect with a message; invalid input
    → the page with the form's errors (422); a conflict → the current page with the reason (409)."""
    if form.is_valid():
        try:
            perform(form.cleaned_data)
        except Forbidden:
            raise PermissionDenied from None
        except Conflict as exc:
            messages.error(request, exc.message)
            return _render_review(request, assessment, kind, status=status_for(exc))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return redirect(reverse("review:assessment", args=[assessment.pk]) + anchor)
    # The form may sit far down a long page: say at the top that something needs attention.
    messages.error(request, _("Not saved: the form below shows why."))
    return _render_review(request, assessment, kind, bound={key: form}, status=422)


@login_required
@require_GET
def assessment_review(request, pk):
    assessment, kind = _reviewer(request, pk)
    return _render_review(request, assessment, kind)


@login_required
@require_POST
def item_correct(request, pk, item_code):
    assessment, kind = _reviewer(request, pk)
    item = get_spec(assessment.spec_key).items.get(item_code)
    if item is None:
        raise Http404
    form = CorrectionForm(request.POST, item=item)
    return _act(request, assessment, kind, key=f"item:{item_code}", form=form, anchor=f"#item-{item_code}",
                done=_("Saved. The verified score is updated."),
                perform=lambda data: services_review.item_correct(
                    assessment=assessment, actor=request.user, item_code=item_code, value=form.answer(),
                    reason=data["reason"], expected_version=data["review_version"], request=request))


@login_required
@require_POST
def assessment_approve(request, pk):
    assessment, kind = _reviewer(request, pk, decide=True)
    return _act(request, assessment, kind, key="approve", form=ApproveForm(request.POST),
                done=_("Approved. The verified score is now final."),
                perform=lambda data: services_review.assessment_approve(
                    assessment=assessment, actor=request.user, comment=data["comment"],
                    expected_version=data["review_version"], request=request))


@login_required
@require_POST
def assessment_return(request, pk):
    assessment, kind = _reviewer(request, pk, decide=True)
    return _act(request, assessment, kind, key="return", form=ReturnForm(request.POST),
                done=_("Returned to the enterprise for revision."),
                perform=lambda data: services_review.assessment_return(
                    assessment=assessment, actor=request.user, comment=data["comment"],
                    expected_version=data["review_version"], request=request))


@login_required
@require_POST
def expert_assign(request, pk):
    assessment, kind = _reviewer(request, pk, decide=True)
    form = AssignExpertForm(request.POST, experts=selectors_review.expert_pool(assessment))
    return _act(request, assessment, kind, key="assign", form=form, anchor="#experts",
                done=_("The expert is assigned and can now see this assessment."),
                perform=lambda data: services_review.expert_assign(
                    assessment=assessment, actor=request.user, expert=data["expert"], note=data["note"],
                    expected_version=data["review_version"], request=request))


@login_required
@require_POST
def expert_opinion(request, pk):
    assessment, kind = _reviewer(request, pk)
    if kind != EXPERT:
        raise PermissionDenied
    return _act(request, assessment, kind, key="opinion", form=OpinionForm(request.POST), anchor="#experts",
                done=_("Your opinion is recorded."),
                perform=lambda data: services_review.expert_opinion_record(
                    assessment=assessment, actor=request.user, opinion=data["opinion"],
                    expected_version=data["review_version"], request=request))


@login_required
@require_POST
def site_visit_add(request, pk):
    assessment, kind = _reviewer(request, pk)
    return _act(request, assessment, kind, key="visit", form=SiteVisitForm(request.POST, request.FILES),
                anchor="#site-visits", done=_("The on-site diagnosis is recorded."),
                perform=lambda data: services_review.site_visit_record(
                    assessment=assessment, actor=request.user, visit_date=data["visit_date"],
                    participants=data["participants"], findings=data["findings"], notes=data["notes"],
                    expected_version=data["review_version"], request=request))


@login_required
@require_GET
def site_visit_notes(request, pk, visit_pk):
    """The visit's notes file, for reviewers only, as a download no browser renders (R18)."""
    assessment, kind = _reviewer(request, pk)
    visit = get_object_or_404(SiteVisit.objects.exclude(notes_file=""), pk=visit_pk, assessment=assessment)
    try:
        handle, content_type = services_review.site_visit_notes_open(visit=visit, actor=request.user,
                                                                     request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _render_review(request, assessment, kind, status=status_for(exc))
    return download_response(handle, filename=visit.notes_name, content_type=content_type)
