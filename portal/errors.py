"""Error pages without stack traces or settings (docs/security.md R13); JSON for the API. And the one
mapping from a service's refusal (portal.exceptions) to the HTTP status of the answer."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.exceptions import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, TooLarge, WrongState

# The web pages re-render the form or partial with the message: htmx swaps 409 and 422 answers
# (templates/base.html), so what the user can fix in place is 422 there.
HTML_STATUS = {
    Invalid: 422,
    WrongState: 422,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    DomainError: 422,
}
API_STATUS = {
    **HTML_STATUS,
    Invalid: 400,
    TooLarge: 413,
    WrongState: 409,
    DomainError: 400,
}


def status_for(exc: DomainError, *, api: bool = False) -> int:
    """The HTTP status of the answer to `exc`: its nearest kind in the table decides."""
    table = API_STATUS if api else HTML_STATUS
    return next(table[kind] for kind in type(exc).__mro__ if kind in table)


def api_error_body(exc: DomainError, **extra) -> dict:
    """What the API answers to a refusal: the translated message, the stable code, and what the
    endpoint adds (an answer conflict's stored value, a submit's missing items)."""
    return {"detail": exc.message, "code": exc.code, **extra}


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None, *, message=None):
    """Input the portal cannot take at all (a NUL byte, a malformed request): 400 with a plain,
    translated reason; the JSON body has the invalid kind's code like every other refusal."""
    message = message or _("The request could not be understood. Check what you entered and try again.")
    if _wants_json(request):
        return JsonResponse({"detail": str(message), "code": Invalid.default_code}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("You do not have permission to do this."), "code": "permission_denied"},
                            status=403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
    return render(request, "500.html", status=500)
