"""The OpenAPI schema's view of refusals: every operation documents the error answers the API can
give it, with the one body portal.api_auth.exception_handler produces ({detail, code}, plus
`errors` for invalid input), instead of each view listing them by hand. An operation's own
entries (an answer conflict's stored value, a submit's missing items) win over these defaults."""

import functools

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, translated and safe to show.")
    code = serializers.CharField(help_text="A stable machine-readable reason, e.g. not_found, permission_denied, "
                                           "not_authenticated, invalid, conflict, throttled.")
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text="Invalid input only: each field's problems, by field name (non_field_errors for the rest).")

    class Meta:
        ref_name = "ApiError"


def _error(description) -> OpenApiResponse:
    return OpenApiResponse(ApiErrorSerializer, description=description)


# Whatever the operation: a NUL byte or unparsable body (400), a pk or page that is not there (404).
ALWAYS = {
    "400": "Invalid input: `code` is `invalid` (with `errors` by field) or the refusal's own code.",
    "404": "Not found, or not visible to you (`code`: not_found).",
}
SIGNED_IN = {
    "401": "No credentials, or a wrong or expired token (`code`: not_authenticated or authentication_failed).",
    "403": "Signed in, but not allowed to do this (`code`: permission_denied, or the refusal's own code).",
}
WRITES = {"409": "The object's state does not allow this now (`code`: wrong_state, conflict or the refusal's own)."}
BODIES = {"415": "The request body's Content-Type is not one the operation takes (`code`: unsupported_media_type)."}
THROTTLED = {"429": "Too many requests; retry after the `Retry-After` header's seconds (`code`: throttled)."}


class AutoSchema(SpectacularAutoSchema):
    def _default_errors(self) -> dict:
        defaults = dict(ALWAYS)
        # A public operation still answers 401 to a wrong or expired token sent with it.
        if self.view.get_authenticators():
            defaults["401"] = SIGNED_IN["401"]
        if not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            defaults.update(SIGNED_IN)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            defaults.update(WRITES)
        if self.method in ("POST", "PUT", "PATCH"):
            defaults.update(BODIES)
        if self.view.get_throttles():
            defaults.update(THROTTLED)
        return defaults

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in self._default_errors().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(_error(description), code, direction=direction)
        return dict(sorted(responses.items()))


@functools.cache
def paginated(serializer_class, name: str | None = None):
    """The schema of a PageNumberPagination answer whose rows are ``serializer_class``: list views
    that paginate must say so, or their answers contradict the schema. Cached, so two views listing
    the same rows share one component."""
    from drf_spectacular.utils import inline_serializer

    meta = getattr(serializer_class, "Meta", None)
    base = getattr(meta, "ref_name", None) or serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(name or f"Paginated{base}List", {
        "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True), "results": serializer_class(many=True),
    })
