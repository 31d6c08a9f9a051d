"""Evidence files attached to answers (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def evidence_list(request, pk, item_code):
    raise Http404


@login_required
def evidence_download(request, evidence_pk):
    raise Http404


@login_required
def evidence_delete(request, evidence_pk):
    raise Http404
