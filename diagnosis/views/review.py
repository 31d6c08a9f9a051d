"""Bureau review of submitted assessments (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def queue(request):
    raise Http404
