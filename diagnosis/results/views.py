"""Results, roadmap, needs and comparison pages: what a scored assessment says, what to do next,
what the enterprise needs, and how it moved since the last assessment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diagnosis.extensions import result_panels
from diagnosis.models import Assessment, NewMode
from diagnosis.permissions import can_edit_assessment, can_request_report, can_see_provenance
from diagnosis.regional import rollup
from diagnosis.results import services as services_results
from diagnosis.results.cache import page_key, radar_data
from diagnosis.results.charts import (
    chart_dimensions,
    comparison_bar,
    figure_data,
    plotly_js_static_path,
)
from diagnosis.results.comparison import COMMON_CODES, REBASED, SAME_VERSION, compare_results
from diagnosis.results.context import build_result_context, standing_answers, standing_result, verified_result
from diagnosis.results.forms import NeedForm, PrioritiesForm
from diagnosis.results.needs import CATEGORIES, suggest_needs
from diagnosis.results.roadmap import PRIORITY_CODES
from diagnosis.results.selectors import (
    needs_of,
    previous_scored_assessment,
    previous_scored_pk,
    rebased_result,
    scored_page_assessment,
)
from diagnosis.scoring.services import rebased_full_result
from diagnosis.signals import needs_version_name, scored_assessments_version_name
from diagnosis.spec import get_spec
from diagnosis.templatetags.diagnosis_tags import local_title
from portal.access import get_for_user
from portal.audit import audit_staff_read
from portal.exceptions import DomainError
from portal.fragments import render_cached, versions
from portal.permissions import can_write_for


def _unscored(request, assessment):
    # Nothing to show yet: send writers back to the questionnaire, everyone else to the answers.
    if assessment.is_editable and can_edit_assessment(request.user, assessment):
        return redirect("diagnosis:assessment-fill", pk=assessment.pk)
    return redirect("diagnosis:assessment-answers", pk=assessment.pk)


RESULT_BODY = "diagnosis/results/partials/result_body.html"


def _viewer(user, assessment) -> dict:
    """What the body shows differently by viewer: computed once, passed to the context and named
    in the cache key (a changed membership role or staff role renders a new body)."""
    return {"can_write": can_write_for(user, assessment.enterprise),
            "can_request_report": can_request_report(user, assessment),
            "show_provenance": can_see_provenance(user)}


def _result_context(request, assessment, viewer: dict, previous, panels, *, priorities_form=None) -> dict:
    """The shared result context plus what only the web page has: forms, write flags, plotly,
    and the panels other apps registered."""
    shared = build_result_context(assessment)
    axes, spec = shared.chart_axes, shared.spec
    return {
        **shared.page_context(),
        **viewer,
        "assessment": assessment,
        "radar": radar_data([local_title(spec.dimension_index[d["code"]]) for d in axes],
                            [d["percent"] for d in axes], name=local_title(spec)),
        "priorities_form": priorities_form or (PrioritiesForm(initial=shared.roadmap.weights)
                                               if viewer["can_write"] else None),
        "previous": previous,
        "result_panels": [{"panel": panel, "body": cache.get(key) if key else None} for panel, key in panels],
        "result_cache_key": page_key(assessment, verified=shared.verified),
    }


def _result_page(request, assessment, *, priorities_form=None, status=200):
    """The result page. Its body (everything under the menu) is the costly part and changes only
    with the assessment (``page_key``: every save of its result, review or priorities writes
    ``updated_at``), its stated needs, the population its benchmarks compare with (the roll-up's
    generation), its previous assessment and the viewer's rights: it is rendered once per those
    and served from the cache (portal/fragments.py). A page with a bound form is never cached."""
    viewer = _viewer(request.user, assessment)
    # A panel whose body its own view has already rendered is shown inline (ResultPanel.body_key).
    panels = [(panel, panel.body_key(request, assessment) if panel.body_key else None)
              for panel in result_panels(request.user, assessment)]

    def context():
        previous = previous_scored_pk(assessment, request.user)
        return _result_context(request, assessment, viewer, previous, panels, priorities_form=priorities_form)

    if priorities_form is None:
        body = render_cached(request, RESULT_BODY, context=context, versions=(
            page_key(assessment, verified=assessment.is_verified),
            *versions(rollup.GENERATION, needs_version_name(assessment.pk),
                      scored_assessments_version_name(assessment.enterprise_id)), *sorted(viewer.items()),
            request.user.staff_role, request.user.region_id,
            *((panel.key, key) for panel, key in panels)),
            # A panel still loading (its body not ready) is not kept: the next view shows it inline.
            store=lambda values: all(item["body"] or not key
                                     for item, (_panel, key) in zip(values["result_panels"], panels, strict=True)))
    else:
        body = render_to_string(RESULT_BODY, context(), request=request)
    return render(request, "diagnosis/results/result.html", {
        "assessment": assessment, "spec": get_spec(assessment.spec_key), "plotly_js": plotly_js_static_path(),
        "body": body}, status=status)


@login_required
@require_GET
def assessment_result(request, pk):
    assessment = scored_page_assessment(request, pk)
    if not assessment.is_scored:
        return _unscored(request, assessment)
    audit_staff_read(request, assessment)
    return _result_page(request, assessment)


@login_required
@require_POST
def assessment_priorities(request, pk):
    """Save the roadmap weights; invalid input re-renders the page with 422 and stores nothing."""
    assessment = scored_page_assessment(request, pk, write=True)
    if not assessment.is_scored:
        return _unscored(request, assessment)
    form = PrioritiesForm(request.POST)
    if form.is_valid():
        try:
            services_results.priorities_save(assessment=assessment, actor=request.user,
                                             priorities={code: form.cleaned_data[code] for code in PRIORITY_CODES},
                                             request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Priorities saved: the roadmap is re-ranked."))
            return redirect(reverse("diagnosis:assessment-result", args=[pk]) + "#roadmap")
    return _result_page(request, assessment, priorities_form=form, status=422)


def _need_cards(spec, assessment, suggestions, needs, bound):
    cards = []
    for category, suggestion in zip(CATEGORIES, suggestions, strict=True):
        need = needs.get(category.code)
        form = bound if bound is not None and bound.data.get("category") == category.code else None
        if form is None:
            initial = {"category": category.code, "item_codes": need.item_codes if need else suggestion.codes}
            if need:
                initial.update(description=need.description, urgency=need.urgency, budget_wan=need.budget_wan)
            form = NeedForm(initial=initial, spec=spec, auto_id=f"id_{category.code}_%s")
        checked = set(form.data.getlist("item_codes") if form.is_bound else form.initial["item_codes"])
        offered = set(suggestion.codes) | set(need.item_codes if need else ()) | checked
        cards.append({
            "category": category, "label": NewMode(category.code).label, "need": need, "form": form,
            "suggested": suggestion.codes,
            "options": [(spec.items[code], code in checked) for code in spec.items if code in offered],
        })
    return cards


@login_required
@require_http_methods(["GET", "POST"])
def assessment_needs(request, pk):
    """The enterprise's needs in the six new-mode categories, one form per category, with the weak
    items of each category offered (and pre-ticked for a new need)."""
    posted = request.method == "POST"
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=posted, request=request)
    if assessment.result is None:
        return _unscored(request, assessment)
    spec = get_spec(assessment.spec_key)
    bound, status = None, 200
    if posted:
        url = reverse("diagnosis:assessment-needs", args=[pk])
        category = request.POST.get("category", "")
        if request.POST.get("action") == "delete" and category in NewMode.values:
            if services_results.need_delete(assessment=assessment, actor=request.user, category=category,
                                            request=request):
                messages.success(request, _("Need withdrawn."))
            return redirect(url)
        bound = NeedForm(request.POST, spec=spec, auto_id=f"id_{category}_%s")
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                services_results.need_save(
                    assessment=assessment, actor=request.user, category=data["category"],
                    description=data["description"], item_codes=data["item_codes"], urgency=data["urgency"],
                    budget_wan=data["budget_wan"], request=request)
            except DomainError as exc:
                bound.add_error(None, exc.message)
            else:
                messages.success(request, _("Need saved."))
                return redirect(f"{url}#need-{data['category']}")
        status = 422
        if category not in NewMode.values:
            messages.error(request, _("Unknown need category."))
    cards = _need_cards(spec, assessment, suggest_needs(spec, standing_result(assessment)), needs_of(assessment), bound)
    return render(request, "diagnosis/results/needs.html", {
        "assessment": assessment, "spec": spec, "cards": cards, "can_write": can_write_for(request.user, assessment.enterprise),
        "result_is_verified": verified_result(assessment) is not None,
    }, status=status)


def _when(assessment):
    return assessment.submitted_at or assessment.created_at


def _comparison_partner(request, later):
    with_id = request.GET.get("with")
    if not with_id:
        return previous_scored_assessment(later, request.user)
    if not with_id.isdigit():
        raise Http404  # get_for_user's audit probe fails on non-numeric ids
    other = get_for_user(Assessment.objects.with_enterprise(), int(with_id), user=request.user, request=request)
    # Only another scored assessment of the same enterprise and standard makes a comparison.
    if (other.pk == later.pk or other.result is None or other.enterprise_id != later.enterprise_id
            or other.spec_code != later.spec_code):
        raise Http404
    return other


@login_required
@require_GET
def assessment_compare(request, pk):
    """T0 → T1: this assessment against the previous scored one of the same enterprise and
    standard, or against ``?with=<id>``; re-based when the versions differ and a re-based
    result exists, else matched by code."""
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
    if assessment.result is None:
        return _unscored(request, assessment)
    partner = _comparison_partner(request, assessment)
    context = {"assessment": assessment, "comparison": None, "plotly_js": plotly_js_static_path()}
    if partner is not None:
        before, after = sorted((partner, assessment), key=lambda a: (_when(a), a.pk))
        # Each side counts with the result that stands: the verified one once approved.
        before_result, after_result = standing_result(before), standing_result(after)
        basis = SAME_VERSION
        if before.spec_version != after.spec_version:
            rebased = rebased_result(before, spec_code=after.spec_code, spec_version=after.spec_version)
            # The stored re-based row keeps only numbers; the texts come from re-scoring this one.
            basis, before_result = ((REBASED, rebased_full_result(before, get_spec(after.spec_key),
                                                                  answers=standing_answers(before)))
                                    if rebased else (COMMON_CODES, before_result))
        comparison = compare_results(before_result, after_result, basis=basis)
        axes = {d["code"] for d in chart_dimensions(after_result["dimensions"])}
        shown = [d for d in comparison.dimensions if d.code in axes]
        context.update(before=before, after=after, comparison=comparison,
                       before_verified=verified_result(before) is not None,
                       after_verified=verified_result(after) is not None, chart=figure_data(comparison_bar(
            [local_title(d) for d in shown], [d.before for d in shown], [d.after for d in shown],
            before_name=f"T0 · {_when(before):%Y-%m-%d}", after_name=f"T1 · {_when(after):%Y-%m-%d}")))
    return render(request, "diagnosis/results/compare.html", context)
