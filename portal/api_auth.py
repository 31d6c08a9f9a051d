"""API authentication: expiring DRF tokens, obtained with password (+ TOTP for staff) through the
same axes-guarded authenticate() as the web login (docs/security.md R2, R4)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.settings import api_settings

from portal.errors import api_error_body, status_for
from portal.exceptions import DomainError


class ExpiringTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() - token.created > settings.API_TOKEN_TTL:
            token.delete()
            raise exceptions.AuthenticationFailed(_("Token has expired."))
        return user, token


def _first_message(detail, field: str = "") -> str:
    """The first problem of a validation error, naming the field it belongs to."""
    if isinstance(detail, dict):
        key, value = next(iter(detail.items()), ("", ""))
        key = "" if key in (api_settings.NON_FIELD_ERRORS_KEY, "detail") else str(key)
        return _first_message(value, ".".join(part for part in (field, key) if part))
    if isinstance(detail, list):
        return _first_message(detail[0], field) if detail else ""
    return f"{field}: {detail}" if field else str(detail)


def exception_handler(exc, context):
    """Every refusal the API gives has one body: `detail` (translated, safe to show) and a stable
    `code`. Domain errors from services answer with their kind's status and own code (plus what the
    endpoint adds); DRF's refusals (401, 403, 404, 405, 406, 415, 429, unparsable bodies) with
    DRF's code; invalid input with `code: invalid`, the first problem as `detail` and every field's
    problems under `errors`. The schema documents these bodies (portal/api_schema.py)."""
    # Imported here: rest_framework.views imports the authentication classes of this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # never the model name get_object_or_404 would put in the message
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DomainError):
        refusal = exc
        exc = exceptions.APIException(detail=api_error_body(refusal))
        exc.status_code = status_for(refusal, api=True)
        return drf_exception_handler(exc, context)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        response.data = {"detail": _first_message(errors) or str(_("Invalid input.")), "code": "invalid",
                         "errors": errors}
    elif not isinstance(exc.detail, (dict, list)):
        response.data = {"detail": str(exc.detail), "code": getattr(exc.detail, "code", None) or exc.default_code}
    return response
