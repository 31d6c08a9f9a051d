"""Subsidy applications in the REST API (/api/v1/subsidies/applications/…), read-only: the
enterprise's own, staff those of their region, experts those assigned to them (visible_to).
Explicit serializer fields; objects only through the access helper."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.access import get_for_user
from portal.api_schema import paginated
from subsidies.models import Application


class SubsidyApplicationSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="version.programme.code")
    programme_version = serializers.IntegerField(source="version.number")
    enterprise_name = serializers.CharField(source="enterprise.name")
    district = serializers.CharField(source="region.code")

    class Meta:
        model = Application
        fields = ["id", "reference", "programme", "programme_version", "enterprise", "enterprise_name", "district",
                  "status", "state_version", "project_title", "declared_investment", "verified_investment",
                  "estimated_amount", "decided_amount", "expert_score", "notice_starts", "notice_ends",
                  "submitted_at", "decided_at"]
        read_only_fields = fields


def _queryset():
    return Application.objects.select_related("version__programme", "enterprise", "region")


class ApplicationListApi(APIView):
    @extend_schema(operation_id="subsidy_applications_list",
                   description="Subsidy applications the user may see: the enterprise's own, staff those of their "
                               "region, experts those assigned to them.",
                   responses={200: paginated(SubsidyApplicationSerializer)})
    def get(self, request):
        queryset = _queryset().visible_to(request.user).order_by("-created_at", "-pk")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(SubsidyApplicationSerializer(page, many=True).data)


class ApplicationDetailApi(APIView):
    # Errors (404 and the rest) are documented by the shared AutoSchema with the one error body.
    @extend_schema(operation_id="subsidy_application", responses={200: SubsidyApplicationSerializer})
    def get(self, request, pk):
        application = get_for_user(_queryset(), pk, user=request.user, request=request)
        return Response(SubsidyApplicationSerializer(application).data)
