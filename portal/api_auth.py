"""API authentication: expiring DRF tokens, obtained with password (+ TOTP for staff) through the
same axes-guarded authenticate() as the web login (docs/security.md R2, R4)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

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


def exception_handler(exc, context):
    """Domain errors from services answer with their kind's status and translated message."""
    # Imported here: rest_framework.views imports the authentication classes of this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DomainError):
        refusal = exc
        exc = exceptions.APIException(detail=api_error_body(refusal))
        exc.status_code = status_for(refusal, api=True)
    return drf_exception_handler(exc, context)
