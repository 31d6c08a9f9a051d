"""The pre-check panel on the result page (an htmx fragment): who may see the assessment sees the
programmes its enterprise may be eligible for. The panel checks access itself (portal.access)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diagnosis.models import Assessment
from portal.access import get_for_user
from subsidies.precheck import selectors


@login_required
@require_GET
def result_panel(request, pk):
    assessment = get_for_user(Assessment.objects.select_related("enterprise", "enterprise__region"), pk,
                              user=request.user, request=request)
    return render(request, "subsidies/precheck/panel.html",
                  {"rows": selectors.precheck(assessment.enterprise), "enterprise": assessment.enterprise})
