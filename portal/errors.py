"""Error pages without stack traces or settings (security.md R13); JSON for the API."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("You do not have permission to do this.")}, status=403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return render(request, "500.html", status=500)
