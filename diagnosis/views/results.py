"""Results, roadmap, needs and comparison pages (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def assessment_result(request, pk):
    raise Http404


@login_required
def assessment_priorities(request, pk):
    raise Http404


@login_required
def assessment_needs(request, pk):
    raise Http404


@login_required
def assessment_compare(request, pk):
    raise Http404
