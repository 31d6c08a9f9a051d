"""Leads in the REST API (/api/v1/registry/…): the leads the user may see (the enterprise's own,
the provider's own, staff those of their region without the summaries), one lead, a contact
request, a pipeline step, the withdrawal of consent, and the shown outcome ratings. Explicit
serializer fields; objects only through the access helper; refusals as in the pages (404 outside
the scope, 409 for stale versions, duplicates and withdrawn consent)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis.models import Assessment
from portal.access import get_for_user
from portal.api_schema import paginated
from portal.audit import audit_log
from portal.errors import api_error_body, status_for
from portal.exceptions import DomainError
from providers.leads import selectors, services, workflow
from providers.models import Lead, ListingSolution

ERROR = inline_serializer("LeadError", {"detail": serializers.CharField(), "code": serializers.CharField()})


def _error(exc: DomainError) -> Response:
    return Response(api_error_body(exc), status=status_for(exc, api=True))


class LeadSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name")
    enterprise_name = serializers.SerializerMethodField()
    consent_active = serializers.BooleanField()
    summary = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = ["id", "provider", "provider_name", "enterprise_name", "solution_key", "solution_title", "stage",
                  "state_version", "consent_version", "consented_at", "consent_active", "withdrawn_at",
                  "requested_at", "contacted_on", "proposal_on", "contract_on", "delivered_on", "accepted_on",
                  "closed_on", "proposal_amount", "contract_amount", "summary"]
        read_only_fields = fields

    def _sees_summary(self, lead) -> bool:
        user = self.context["request"].user
        return lead.withdrawn_at is None and not user.staff_role

    def get_enterprise_name(self, lead) -> str | None:
        user = self.context["request"].user
        if user.staff_role or lead.withdrawn_at is None or self._is_enterprise_member(lead):
            return lead.enterprise.name
        return None  # the provider after a withdrawal: only that the enterprise withdrew

    def _is_enterprise_member(self, lead) -> bool:
        return lead.enterprise.memberships.filter(user=self.context["request"].user).exists()

    def get_summary(self, lead) -> dict | None:
        return lead.summary if self._sees_summary(lead) else None


def _lead_queryset():
    return Lead.objects.select_related("enterprise", "provider")


class LeadListApi(APIView):
    class InputSerializer(serializers.Serializer):
        assessment = serializers.IntegerField(min_value=1)
        solution = serializers.IntegerField(min_value=1)
        consent = serializers.BooleanField(help_text="The enterprise consents to share the diagnosis summary.")

        class Meta:
            ref_name = "LeadRequestInput"

    @extend_schema(operation_id="registry_leads_list",
                   description="Leads the user may see: the enterprise's own, the provider's own, bureau staff those "
                               "of enterprises in their region (without the diagnosis summaries).",
                   responses={200: paginated(LeadSerializer)})
    def get(self, request):
        queryset = Lead.objects.visible_to(request.user).select_related("enterprise", "provider").order_by(
            "-requested_at", "-pk")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        if request.user.staff_role:
            audit_log(action="lead.staff_list_read", request=request, object_type="providers.lead",
                      detail={"api": True, "rows": len(page)})
        return paginator.get_paginated_response(LeadSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(operation_id="registry_lead_request", request=InputSerializer,
                   responses={201: LeadSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        assessment = get_for_user(Assessment.objects.with_enterprise().filter(
            enterprise__memberships__user=request.user), values["assessment"], user=request.user, request=request)
        solution = get_object_or_404(ListingSolution.objects.select_related("listing__provider"),
                                     pk=values["solution"])
        try:
            lead = services.request_lead(actor=request.user, assessment=assessment, solution=solution,
                                         consent=values["consent"], request=request)
        except DomainError as exc:
            return _error(exc)
        return Response(LeadSerializer(lead, context={"request": request}).data, status=status.HTTP_201_CREATED)


class LeadDetailApi(APIView):
    @extend_schema(operation_id="registry_lead", responses={200: LeadSerializer, 404: ERROR})
    def get(self, request, pk):
        lead = get_for_user(_lead_queryset(), pk, user=request.user, request=request)
        if request.user.staff_role:
            audit_log(action="lead.read", request=request, obj=lead)
        return Response(LeadSerializer(lead, context={"request": request}).data)


class LeadStepApi(APIView):
    class InputSerializer(serializers.Serializer):
        side = serializers.ChoiceField(choices=[workflow.PROVIDER, workflow.ENTERPRISE])
        action = serializers.ChoiceField(choices=list(workflow.ACTIONS))
        state_version = serializers.IntegerField(min_value=0)
        date = serializers.DateField(required=False, allow_null=True)
        amount = serializers.CharField(required=False, allow_blank=True, max_length=20)
        note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX)

        class Meta:
            ref_name = "LeadStepInput"

    @extend_schema(operation_id="registry_lead_step", request=InputSerializer,
                   responses={200: LeadSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        side_scope = (Lead.objects.of_providers_of(request.user) if values["side"] == workflow.PROVIDER
                      else Lead.objects.of_enterprises_of(request.user))
        lead = get_for_user(side_scope.select_related("enterprise", "provider"), pk, user=request.user,
                            request=request)
        try:
            lead = services.transition(actor=request.user, lead=lead, side=values["side"], action=values["action"],
                                       expected_version=values["state_version"], day=values.get("date"),
                                       amount=values.get("amount"), note=values.get("note", ""), request=request)
        except DomainError as exc:
            return _error(exc)
        return Response(LeadSerializer(lead, context={"request": request}).data)


class LeadWithdrawApi(APIView):
    @extend_schema(operation_id="registry_lead_withdraw", request=None,
                   responses={200: LeadSerializer, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk):
        lead = get_for_user(Lead.objects.of_enterprises_of(request.user).select_related("enterprise", "provider"), pk,
                            user=request.user, request=request)
        try:
            lead = services.withdraw_consent(actor=request.user, lead=lead, request=request)
        except DomainError as exc:
            return _error(exc)
        return Response(LeadSerializer(lead, context={"request": request}).data)


class OutcomeRatingSerializer(serializers.Serializer):
    provider = serializers.IntegerField(source="provider_id")
    area = serializers.CharField(allow_null=True)
    n = serializers.IntegerField()
    excess = serializers.DecimalField(max_digits=6, decimal_places=1)
    uplift = serializers.DecimalField(max_digits=6, decimal_places=1)
    peer_uplift = serializers.DecimalField(max_digits=6, decimal_places=1)
    std_error = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    confidence = serializers.CharField()


class OutcomeRatingListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="registry_outcome_ratings",
                   description="Providers' ratings by measured outcome (docs/outcome-rating.md); only n ≥ 3 is shown.",
                   responses={200: OutcomeRatingSerializer(many=True)})
    def get(self, request):
        ratings = sorted(selectors.outcome_ratings().values(), key=lambda r: (r.provider_id, r.area or ""))
        return Response(OutcomeRatingSerializer(ratings, many=True).data)
