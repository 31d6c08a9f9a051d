"""Staff API of the ecosystem analysis: the same figures as the page, scoped to the caller's region
(district staff their district, city staff their city); everybody else gets 403."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.roles import is_bureau_staff
from providers.directory.api import ERROR
from providers.ecosystem import selectors as selectors_ecosystem


class AreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    providers = serializers.IntegerField()
    coverage = serializers.DecimalField(max_digits=5, decimal_places=1, help_text="% of providers in scope")
    average_level = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    level_shares = serializers.ListField(child=serializers.DecimalField(max_digits=5, decimal_places=1))
    verified_cases = serializers.IntegerField()


class IndustrySerializer(serializers.Serializer):
    division = serializers.CharField()
    title = serializers.CharField()
    providers = serializers.IntegerField()
    link_share = serializers.DecimalField(max_digits=5, decimal_places=1)
    enterprises = serializers.IntegerField()
    enterprises_per_provider = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)


class AppCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    apps = serializers.IntegerField()
    share = serializers.DecimalField(max_digits=5, decimal_places=1)
    clients = serializers.IntegerField()


class HealthSerializer(serializers.Serializer):
    provider_id = serializers.IntegerField()
    provider = serializers.CharField()
    pool = serializers.CharField()
    detail = serializers.CharField()
    due = serializers.DateField(allow_null=True)


class EcosystemSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code", allow_null=True)
    providers = serializers.IntegerField()
    apps = serializers.IntegerField()
    solutions = serializers.IntegerField()
    areas = AreaSerializer(many=True)
    weak = AreaSerializer(many=True)
    industries = IndustrySerializer(many=True)
    apps_by_category = AppCategorySerializer(many=True)
    expiring = HealthSerializer(many=True)
    overdue = HealthSerializer(many=True)
    suspended = HealthSerializer(many=True)
    active_members = serializers.IntegerField()


class EcosystemSummaryView(APIView):
    @extend_schema(operation_id="registry_ecosystem_summary",
                   description="Ecosystem analysis of the published providers in the caller's region (bureau staff).",
                   responses={200: EcosystemSerializer, 401: ERROR, 403: ERROR})
    def get(self, request):
        if not is_bureau_staff(request.user) or selectors_ecosystem.scope_path(request.user) is None:
            raise PermissionDenied
        data = selectors_ecosystem.ecosystem(request.user, today=timezone.localdate())
        return Response(EcosystemSerializer(data).data)
