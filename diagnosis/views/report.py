"""Diagnosis report PDFs: request, status polling, download, public verification (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def report_request(request, pk):
    raise Http404


@login_required
def report_status(request, pk, report_pk):
    raise Http404


@login_required
def report_download(request, report_pk):
    raise Http404


def report_verify(request, code):
    raise Http404
