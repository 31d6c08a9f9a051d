"""The pre-check panel on the result page (an htmx fragment): who may see the assessment sees the
programmes its enterprise may be eligible for. The panel checks access itself (portal.access).
An optional ``investment`` (yuan: the planned investment or the service price) estimates the
amounts that depend on it; a bad figure answers 422 with the reason and the estimates "up to"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diagnosis.models import Assessment
from portal.access import get_for_user
from subsidies import labels, rules
from subsidies.precheck import selectors


@login_required
@require_GET
def result_panel(request, pk):
    assessment = get_for_user(Assessment.objects.select_related("enterprise", "enterprise__region"), pk,
                              user=request.user, request=request)
    raw = request.GET.get("investment", "").strip()
    investment, error = None, ""
    if raw:
        problems: list[rules.Problem] = []
        investment = rules.to_money(raw, "investment", problems)
        error = labels.problems_text(problems)
    return render(request, "subsidies/precheck/panel.html", {
        "rows": selectors.precheck(assessment.enterprise, investment=investment), "enterprise": assessment.enterprise,
        "assessment": assessment, "investment": raw[:32] if not error else "", "error": error},
        status=422 if error else 200)
