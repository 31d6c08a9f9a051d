"""Resource pools in the REST API (/api/v1/registry/…): the public pool list, pool applications
(the provider's own; staff those of pools in their region; experts those assigned to them), and
the expert's score sheets with their submission. Explicit serializer fields; objects only through
the access helper."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.access import get_for_user
from portal.api_schema import paginated
from portal.errors import api_error_body, status_for
from portal.exceptions import DomainError
from providers.models import ExpertScore, Pool, PoolApplication
from providers.pools import selectors, services

ERROR = inline_serializer("PoolError", {"detail": serializers.CharField(), "code": serializers.CharField()})


def _error(exc: DomainError) -> Response:
    return Response(api_error_body(exc), status=status_for(exc, api=True))


class PoolSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    member_count = serializers.IntegerField()

    class Meta:
        model = Pool
        fields = ["id", "name", "region", "region_name", "tier", "year", "status", "criteria", "call_opens",
                  "call_closes", "objection_days", "validity_months", "member_count"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    pool_name = serializers.CharField(source="pool.name")
    provider_name = serializers.CharField(source="provider.name")
    profile_version = serializers.IntegerField(source="profile_version.number")

    class Meta:
        model = PoolApplication
        fields = ["id", "pool", "pool_name", "provider", "provider_name", "profile_version", "status",
                  "state_version", "discount_offer", "submitted_at", "checked_at", "total_score", "notice_starts",
                  "notice_ends", "decided_at"]
        read_only_fields = fields


class SheetSerializer(serializers.ModelSerializer):
    pool_name = serializers.CharField(source="application.pool.name")
    provider_name = serializers.CharField(source="application.provider.name")

    class Meta:
        model = ExpertScore
        fields = ["id", "application", "pool_name", "provider_name", "assigned_at", "conflict_declared", "basic",
                  "capability", "delivery", "discount", "total", "comment", "submitted_at"]
        read_only_fields = fields


def _page(request, view, queryset, serializer):
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class PoolListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="registry_pools_list", description="Published resource pools (public).",
                   responses={200: paginated(PoolSerializer)})
    def get(self, request):
        return _page(request, self, selectors.public_pools().order_by("-year", "pk"), PoolSerializer)


class ApplicationListApi(APIView):
    @extend_schema(operation_id="registry_pool_applications_list",
                   description="Pool applications the user may see: the provider's own, staff those of pools in "
                               "their region, experts those assigned to them.",
                   responses={200: paginated(ApplicationSerializer)})
    def get(self, request):
        queryset = (PoolApplication.objects.visible_to(request.user)
                    .select_related("pool", "provider", "profile_version").order_by("-submitted_at", "-pk"))
        return _page(request, self, queryset, ApplicationSerializer)


class ApplicationDetailApi(APIView):
    @extend_schema(operation_id="registry_pool_application", responses={200: ApplicationSerializer, 404: ERROR})
    def get(self, request, pk):
        application = get_for_user(PoolApplication.objects.select_related("pool", "provider", "profile_version"),
                                   pk, user=request.user, request=request)
        return Response(ApplicationSerializer(application).data)


class SheetListApi(APIView):
    @extend_schema(operation_id="registry_score_sheets_list", description="The expert's own score sheets.",
                   responses={200: paginated(SheetSerializer)})
    def get(self, request):
        return _page(request, self, selectors.expert_tasks(request.user), SheetSerializer)


class SheetSubmitApi(APIView):
    class InputSerializer(serializers.Serializer):
        basic = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
        capability = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
        delivery = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
        discount = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
        comment = serializers.CharField(max_length=services.LONG_MAX, required=False, allow_blank=True)
        no_conflict = serializers.BooleanField(
            help_text="The expert's declaration (回避声明): no conflict of interest with this provider. "
                      "Must be true; a conflict is declared through the assignment instead.")

        class Meta:
            ref_name = "ScoreSheetInput"

    @extend_schema(operation_id="registry_score_sheet_submit", request=InputSerializer,
                   responses={200: SheetSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk):
        sheet = get_for_user(ExpertScore.objects.select_related("application__pool", "application__provider"), pk,
                             user=request.user, write=True, request=request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            sheet = services.score_submit(sheet=sheet, actor=request.user, request=request,
                                          scores={k: values[k] for k in ("basic", "capability", "delivery",
                                                                         "discount")},
                                          no_conflict_declared=values["no_conflict"],
                                          comment=values.get("comment", ""))
        except DomainError as exc:
            return _error(exc)
        return Response(SheetSerializer(sheet).data, status=status.HTTP_200_OK)
