"""Open subsidy programmes in the REST API (/api/v1/subsidies/programmes/…): public and read-only,
the same published versions and plain-words rules as the public pages. Explicit serializer fields."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api_schema import paginated
from subsidies.programmes import selectors

ERROR = inline_serializer("SubsidyProgrammeError", {"detail": serializers.CharField(),
                                                     "code": serializers.CharField()})


class ParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    confidence = serializers.CharField()
    provisional = serializers.BooleanField()
    source = serializers.CharField()


class ProgrammeSerializer(serializers.Serializer):
    code = serializers.CharField(source="programme.code")
    name = serializers.CharField(source="programme.name")
    instrument = serializers.CharField(source="programme.instrument")
    issuing_body = serializers.CharField(source="programme.issuing_body")
    region = serializers.CharField(source="programme.region.code")
    region_name = serializers.CharField(source="programme.region.name")
    version = serializers.IntegerField(source="number")
    document_number = serializers.CharField()
    document_title = serializers.CharField()
    document_url = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField()
    applications_open = serializers.DateField()
    applications_close = serializers.DateField()
    budget_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    formula = serializers.SerializerMethodField()
    params = serializers.SerializerMethodField()
    conditions = serializers.SerializerMethodField()
    provisional = serializers.SerializerMethodField()

    def _rules(self, version) -> dict:
        cache = self.context.setdefault("rules", {})
        if version.pk not in cache:
            cache[version.pk] = selectors.rules_in_words(version)
        return cache[version.pk]

    def get_formula(self, version) -> str:
        return self._rules(version)["formula"]

    @extend_schema_field(ParamSerializer(many=True))
    def get_params(self, version) -> list:
        return [{k: str(v) if k in ("title", "text", "confidence") else v for k, v in row.items()}
                for row in self._rules(version)["params"]]

    def get_conditions(self, version) -> list[str]:
        return [str(c) for c in self._rules(version)["conditions"]]

    def get_provisional(self, version) -> bool:
        return bool(self._rules(version)["provisional"])


class ProgrammeListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="subsidy_programmes_list",
                   description="Open subsidy programmes (public): their published version and rules in plain words; "
                               "provisional values are flagged.",
                   responses={200: paginated(ProgrammeSerializer)})
    def get(self, request):
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.open_versions(), request, view=self)
        return paginator.get_paginated_response(ProgrammeSerializer(page, many=True).data)


class ProgrammeDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="subsidy_programme", responses={200: ProgrammeSerializer, 404: ERROR})
    def get(self, request, code):
        version = selectors.public_version(code)
        if version is None:
            return Response({"detail": _("No published programme has this code."), "code": "not_found"}, status=404)
        return Response(ProgrammeSerializer(version).data)
