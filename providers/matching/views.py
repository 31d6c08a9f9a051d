"""The "匹配的服务商" result-page panel (an HTMX fragment) and the staff page of the matching weights."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diagnosis.results.selectors import scored_page_assessment
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.fragments import versions
from portal.permissions import can_write_for
from portal.roles import is_bureau_staff
from providers import cache as registry_cache
from providers.matching import selectors
from providers.matching.engine import COMPONENT_CODES, default_source, default_weights
from providers.matching.extensions import net_price_fn
from providers.matching.forms import COMPONENT_TITLES, WeightsForm
from providers.matching.scenemap import scene_map
from providers.matching.services import can_tune_weights, create_weights_version
from providers.signals import WEIGHTS_VERSION

PANEL_MATCHES = 5
PANEL_SCENES = 6


def panel_context(assessment, *, limit: int = PANEL_MATCHES) -> dict:
    """What the panel and the PDF section show: the matches with their breakdown, the scenes they
    answer and the benefit estimate."""
    scenes = selectors.scenes_of(assessment)
    matches = selectors.rank_scenes(assessment.enterprise, scenes, limit=limit)
    listed = selectors.solutions_for_matches(matches)
    return {
        "matches": [{"match": m, "solution": listed.get(m.solution_id),
                     "components": [{"title": COMPONENT_TITLES[c.code], "c": c} for c in m.components]}
                    for m in matches],
        "scenes": scenes[:PANEL_SCENES],
        "scene_count": len(scenes),
        "scenes_provisional": any(s.provisional for s in scenes),
        "scene_map_version": scene_map().version,
        "weights_version": matches[0].weights_version if matches else "",
        "net_price_applied": any(m.net_price is not None for m in matches),
        "benefit": selectors.benefit_for(assessment),
    }


def panel_body_key(request, assessment) -> str:
    """The key of the panel's cached body for this viewer. The body changes only with the registry
    (its version is in every key), the weights in force, the assessment's standing and priorities,
    whether the viewer may request contact and whether a net-price source is installed; the TTL
    bounds what none of these track (a subsidy's remaining budget). The result page reads the
    body under this key to show it at once (diagnosis.extensions.ResultPanel.body_key)."""
    registry, weights = versions(registry_cache.VERSION_NAME, WEIGHTS_VERSION)
    return registry_cache.key("matching-panel", assessment.pk, assessment.status, assessment.total,
                              assessment.verified_total, assessment.reviewed_at,
                              json.dumps(assessment.priorities, sort_keys=True, default=str),
                              selectors.weights_pk_for(assessment.enterprise, weights_version=weights) or "default",
                              can_write_for(request.user, assessment.enterprise), net_price_fn() is not None,
                              registry_version=registry)


@login_required
@require_GET
def result_panel(request, pk):
    """The panel's body: access checked here (the result page's check does not carry over)."""
    assessment = scored_page_assessment(request, pk)
    if not assessment.is_scored:
        return render(request, "providers/matching/panel.html", {"assessment": assessment, "unscored": True})
    body = registry_cache.cached(panel_body_key(request, assessment), lambda: render_to_string(
        "providers/matching/panel.html", {
            "assessment": assessment, **panel_context(assessment),
            "can_request_contact": can_write_for(request.user, assessment.enterprise),
        }, request=request))
    return HttpResponse(body)


def _weights_page(request, form, *, status=200):
    versions = list(selectors.weights_versions(request.user))
    defaults = default_weights()
    return render(request, "providers/matching/weights.html", {
        "form": form, "versions": [{"v": v, "rows": [(COMPONENT_TITLES[c], v.weights.get(c)) for c in COMPONENT_CODES]}
                                   for v in versions],
        "defaults": [(COMPONENT_TITLES[c], defaults.points[c]) for c in COMPONENT_CODES],
        "defaults_version": defaults.version, "defaults_source": default_source(),
        "can_tune": can_tune_weights(request.user),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def weights(request):
    """Bureau staff read the weights in force; city staff add a version (audited)."""
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    if request.method == "GET":
        form = None
        if can_tune_weights(request.user):
            general = selectors.weights_versions(request.user).filter(region_id=request.user.region_id,
                                                                       campaign__isnull=True).first()
            start = general.weights if general else {c: str(v) for c, v in default_weights().points.items()}
            form = WeightsForm(user=request.user,
                               initial={**start, "base_number": selectors.latest_number(request.user.region_id)})
        return _weights_page(request, form)
    if not can_tune_weights(request.user):
        raise PermissionDenied
    form = WeightsForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Not saved: check the fields marked below."))
        return _weights_page(request, form, status=422)
    try:
        version = create_weights_version(
            request.user, points=form.cleaned_data["points"], note=form.cleaned_data["note"],
            campaign=form.cleaned_data.get("campaign"), base_number=form.cleaned_data["base_number"],
            request=request)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return _weights_page(request, form, status=status_for(exc))
    messages.success(request, _("Weights version %(number)s saved.") % {"number": version.number})
    return redirect("providers:matching-weights")
